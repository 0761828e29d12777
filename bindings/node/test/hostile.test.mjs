// Hostile input from a host or a tenant (issue 10): every case is a Ticketry
// error with a core code (and the caller's field), changes nothing, and never
// takes the process down (the risky ones run in a child process).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { backends, rejectsWith, setup, H } from './helpers.mjs'

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))

const HOSTILE_TEMPLATES = [
  '{{ ' + '-'.repeat(30000) + '1 }}',
  '{{ x' + '+1'.repeat(10000) + ' }}',
  '{{ x' + '~x'.repeat(10000) + ' }}',
  '{{ x' + ' and x'.repeat(5000) + ' }}',
  '{{ x' + '.a'.repeat(10000) + ' }}',
  '{{ x' + '[0]'.repeat(10000) + ' }}',
  '{{ x' + '()'.repeat(10000) + ' }}',
  "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
  '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}',
  "{{ 'x' * 100000000 }}",
  '{{ debug() }}',
]

/** Runs an ES module in a fresh Node process; fails unless it exits normally. */
function runChild(source) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-'], { input: source, encoding: 'utf8', timeout: 600_000 })
  assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

describe('hostile input (child processes)', () => {
  it('hostile templates are invalid_input and never crash the process', () => {
    const out = runChild(`
      import { Helpdesk } from ${JSON.stringify(INDEX)}
      const bodies = ${JSON.stringify(HOSTILE_TEMPLATES)}
      const desk = Helpdesk.inMemory()
      const ws = await desk.createWorkspace({ name: 'T', slug: 't' })
      await Promise.all(bodies.map(async (body) => {
        try {
          await ws.createTemplate({ name: 't', body })
          throw new Error('accepted: ' + body.slice(0, 40))
        } catch (e) {
          if (e.code !== 'invalid_input' || e.field !== 'body') throw e
        }
      }))
      if ((await ws.listTemplates()).length !== 0) throw new Error('a template was saved')
      await ws.putCustomer({ id: 'a', name: 'A' })
      const t = await ws.openTicket({ customer: 'a', subject: 's', description: 'x', customFields: { big: 'y'.repeat(30000), many: [...Array(1000).keys()] } })
      const tpl = await ws.createTemplate({ name: 'heavy', body: '{% for n in ticket.custom_fields.many %}{{ ticket.custom_fields.big }}{% endfor %}' })
      try {
        await ws.renderTemplate(tpl.id, t.id)
        throw new Error('rendered past the cap')
      } catch (e) {
        if (e.code !== 'invalid_input') throw e
        console.log('capped:', e.message)
      }
      console.log('ok')
    `)
    assert.match(out, /capped:/)
    assert.match(out.trim(), /ok$/)
  })

  it('a far clock advance is invalid_input, not an abort', () => {
    const out = runChild(`
      import { ManualClock } from ${JSON.stringify(INDEX)}
      const c = new ManualClock(new Date('9999-12-30T00:00:00Z'))
      for (const ms of [10 * 86400000, -1, 1e15]) {
        try { c.advance(ms); throw new Error('accepted ' + ms) } catch (e) {
          if (e.code !== 'invalid_input' || e.field !== 'ms') throw e
        }
      }
      if (c.now().toISOString() !== '9999-12-30T00:00:00.000Z') throw new Error('moved')
      console.log('ok')
    `)
    assert.equal(out.trim(), 'ok')
  })

  it('a sparse array of length 2 ** 32 - 1 is invalid_input at once, not an abort', () => {
    const out = runChild(`
      import { Calendar, Helpdesk } from ${JSON.stringify(INDEX)}
      const huge = []
      huge.length = 2 ** 32 - 1
      const cal = Calendar.alwaysOpen()
      const refused = (call, field) => {
        try { call(); throw new Error('accepted: ' + field) } catch (e) {
          if (e.code !== 'invalid_input' || e.field !== field || !e.reason.includes('at most')) throw e
        }
      }
      refused(() => cal.addMany(huge, huge), 'starts')
      refused(() => cal.addMany([], huge), 'durationsMs')
      refused(() => cal.betweenMany(huge, [new Date()]), 'starts')
      const ws = await Helpdesk.inMemory().createWorkspace({ name: 'S', slug: 's' })
      try { await ws.listTickets({ statuses: huge }); throw new Error('accepted') } catch (e) {
        // Refused by its length, before its holes are read one by one.
        if (e.code !== 'invalid_input' || e.field !== 'statuses' || !e.reason.includes('holds 4294967295 items')) throw e
      }
      // The typed client's own entry point checks its positional array too.
      for (const positional of [huge, 'x']) {
        try { await ws.call('list_tickets', positional); throw new Error('accepted') } catch (e) {
          if (e.code !== 'invalid_input' || e.field !== 'positional') throw e
        }
      }
      console.log('ok')
    `)
    assert.equal(out.trim(), 'ok')
  })
})

function nested(depth) {
  let v = 1
  for (let i = 0; i < depth; i++) v = { a: v }
  return v
}

for (const backend of backends) {
  describe(`hostile input on ${backend.name}`, () => {
    let desk
    before(async () => {
      desk = await backend.open()
    })
    after(async () => {
      await desk?.close()
    })

    async function snapshot(ws) {
      const page = await ws.listTickets({ limit: 500 })
      const threads = await Promise.all(page.items.map((t) => ws.thread(t.id)))
      return JSON.stringify([threads, await ws.events({ after: 0, limit: 1000 })])
    }

    it('bounds custom fields (depth and size) and changes nothing', async () => {
      const ws = await setup(desk)
      const t = await ws.openTicket({ customer: 'alice', subject: 'target', description: 'x' })
      const before = await snapshot(ws)
      // (Deeper than 127 levels napi's own conversion refuses the value before
      // the core sees it; turning that into invalid_input is the binding-layer issue.)
      for (const x of [nested(40), nested(120), 'z'.repeat(70_000), 'z'.repeat(20_000_000)]) {
        await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'x', customFields: { x } }), 'invalid_input')
        await rejectsWith(ws.updateTicket(t.id, { customFields: { x } }), 'invalid_input')
      }
      assert.equal(await snapshot(ws), before)
    })

    it('bounds calendars and SLA targets', async () => {
      const ws = await setup(desk)
      const slots = [...Array(1000).keys()].map((i) => {
        const hh = String(Math.floor(i / 60) % 24).padStart(2, '0')
        const mm = String(i % 60).padStart(2, '0')
        return [`${hh}:${mm}:00`, `${hh}:${mm}:01`]
      })
      const target = [{ priority: 'low', resolution: 8 * H }]
      await rejectsWith(
        ws.setSlaPolicies([{ name: 'dense', targets: target, calendar: { timezone: 'UTC', weekly: { mon: slots } } }]),
        'invalid_input',
        'policies[0].calendar.weekly.mon',
      )
      await rejectsWith(
        ws.setSlaPolicies([{ name: 'rare', targets: [{ priority: 'low', resolution: 1000 * H }], calendar: { timezone: 'UTC', weekly: { mon: [['09:00:00', '09:00:01']] } } }]),
        'invalid_input',
        'policies[0].targets[0].resolution',
      )
      assert.deepEqual(await ws.listSlaPolicies(), [])
    })

    it('checks who may act, and rates once', async () => {
      const ws = await setup(desk)
      const t = await ws.openTicket({ customer: 'alice', subject: 'mine', description: 'x' })
      await ws.resolve(t.id, { by: { type: 'agent', id: 'bob' } })
      await rejectsWith(ws.rate(t.id, 5, { by: { type: 'customer', id: 'dave' } }), 'invalid_input', 'by')
      await rejectsWith(ws.rate(t.id, 5, { by: { type: 'customer', id: 'nobody' } }), 'not_found')
      await rejectsWith(ws.assign(t.id, { agent: 'bob', by: { type: 'agent', id: 'ghost' } }), 'not_found')
      await rejectsWith(ws.assign(t.id, { agent: 'ghost' }), 'not_found')
      await ws.rate(t.id, 4, { by: { type: 'customer', id: 'alice' } })
      await rejectsWith(ws.rate(t.id, 1, { by: { type: 'customer', id: 'alice' } }), 'already_exists')
      assert.equal((await ws.getTicket(t.id)).satisfaction.rating, 4)
    })

    it('binds idempotency keys to their request', async () => {
      const ws = await setup(desk)
      const t = await ws.openTicket({ customer: 'alice', subject: 'card ending 4242 declined', description: 'x', idempotencyKey: 'k1' })
      await rejectsWith(ws.openTicket({ customer: 'dave', subject: 'x', description: 'x', idempotencyKey: 'k1' }), 'conflict')
      const again = await ws.openTicket({ customer: 'alice', subject: 'card ending 4242 declined', description: 'x', idempotencyKey: 'k1' })
      assert.equal(again.id, t.id)
    })

    it('refuses multi-line subjects, bounds echoes, finds numbers in any case', async () => {
      const ws = await setup(desk)
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 'two\nlines', description: 'x' }), 'invalid_input', 'subject')
      const err = await ws.getTicketByNumber('k'.repeat(1_000_000)).catch((e) => e)
      assert.equal(err.code, 'not_found')
      assert.ok(err.message.length < 400, `${err.message.length} characters`)
      const t = await ws.openTicket({ customer: 'alice', subject: 'found', description: 'x' })
      assert.equal((await ws.getTicketByNumber(t.number.toLowerCase())).id, t.id)
    })
  })
}

describe('row-level security', () => {
  it('is visible to the host, with a warning when it is off', async () => {
    const { Helpdesk } = await import('../index.js')
    assert.equal(await Helpdesk.inMemory().rlsEnforced(), null)
    const url = process.env.DATABASE_URL
    const role = process.env.TICKETRY_TEST_ROLE
    assert.ok(url && role, 'scripts/test-node.sh sets DATABASE_URL and TICKETRY_TEST_ROLE')
    const warnings = []
    const onWarning = (w) => warnings.push(w.message)
    process.on('warning', onWarning)
    try {
      const schema = `node_rls_${process.pid}`
      const ok = await Helpdesk.connect(url, { schema, role })
      assert.equal(await ok.rlsEnforced(), true)
      await ok.close()
      // The test server's login user is a superuser: RLS would be off.
      const su = await Helpdesk.connect(url, { schema })
      assert.equal(await su.rlsEnforced(), false)
      await su.close()
      await new Promise((r) => setImmediate(r))
      assert.equal(warnings.filter((m) => /row-level security is off/.test(m)).length, 1, warnings.join('\n'))
    } finally {
      process.off('warning', onWarning)
    }
  })
})

for (const backend of backends) {
  describe(`long threads on ${backend.name}`, () => {
    it('page by cursor, each message once, notes hidden from customers', async () => {
      const desk = await backend.open()
      try {
        const ws = await setup(desk)
        const t = await ws.openTicket({ customer: 'alice', subject: 'long', description: 'first' })
        for (let i = 0; i < 9; i++) {
          if (i % 3 === 2) await ws.addNote(t.id, 'bob', `m${i}`)
          else await ws.reply(t.id, 'bob', `m${i}`)
        }
        for (const view of ['agent', 'customer']) {
          const seen = []
          let after
          for (;;) {
            const page = await ws.messages(t.id, { view, after, limit: 4 })
            assert.ok(page.items.length <= 4)
            seen.push(...page.items)
            if (page.nextCursor === null) break
            after = page.nextCursor
          }
          assert.deepEqual(seen, (await ws.thread(t.id, { view })).messages)
        }
        for (const limit of [0, -1, 4.5, 2 ** 32 + 1, Number.NaN]) {
          await rejectsWith(ws.messages(t.id, { limit }), 'invalid_input', 'limit')
        }
        await rejectsWith(ws.messages(t.id, { after: 'garbage' }), 'invalid_input', 'after')
      } finally {
        await desk.close()
      }
    })
  })
}

describe('integers from JavaScript', () => {
  it('are checked, never wrapped or truncated', async () => {
    const { Helpdesk, Calendar } = await import('../index.js')
    const desk = Helpdesk.inMemory()
    const ws = await setup(desk)
    const t = await ws.openTicket({ customer: 'alice', subject: 's', description: 'x' })
    await ws.resolve(t.id)
    for (const rating of [2 ** 32 + 5, 4.5, -1, 256, Number.NaN, Infinity]) {
      await rejectsWith(ws.rate(t.id, rating, { by: { type: 'customer', id: 'alice' } }), 'invalid_input', 'rating')
    }
    assert.equal((await ws.getTicket(t.id)).satisfaction, null)
    for (const capacity of [-1, 2 ** 32, 1.5]) {
      await rejectsWith(ws.putAgent({ id: 'eve', name: 'Eve', capacity }), 'invalid_input', 'capacity')
    }
    await rejectsWith(ws.getAgent('eve'), 'not_found')
    for (const limit of [2 ** 32 + 1, 0, -3, 2.5]) {
      await rejectsWith(ws.listTickets({ limit }), 'invalid_input', 'limit')
      await rejectsWith(ws.events({ limit }), 'invalid_input', 'limit')
    }
    await rejectsWith(ws.createCategory({ name: 'C', position: 2 ** 31 }), 'invalid_input', 'position')
    await rejectsWith(ws.putPriority({ code: 'x', name: 'X', rank: 1.5 }), 'invalid_input', 'rank')
    await rejectsWith(
      ws.setSlaPolicies([{ name: 'p', targets: [], warning: { percent: 2 ** 32 + 50 } }]),
      'invalid_input',
      'policies[0].warning.percent',
    )
    await rejectsWith(() => Calendar.withWindow({ timezone: 'UTC', weekly: {} }, '2026-01-01', -1), 'invalid_input', 'days')
    // A duration is nanoseconds inside: beyond about 292 years is refused, not shortened.
    const cal = Calendar.alwaysOpen()
    const start = new Date('2026-01-01T00:00:00Z')
    await rejectsWith(() => cal.add(start, 1e14), 'invalid_input', 'durationMs')
    await rejectsWith(() => cal.addMany([start], [-1e14]), 'invalid_input', 'durationsMs[0]')
    const { ManualClock } = await import('../index.js')
    const clock = new ManualClock(start)
    await rejectsWith(() => clock.advance(9e15), 'invalid_input', 'ms')
    assert.equal(clock.now().getTime(), start.getTime())
  })

  it('keeps the caller\'s keys as own properties and reports what a getter throws', async () => {
    const { Helpdesk, ManualClock } = await import('../index.js')
    const ws = await setup(Helpdesk.inMemory())
    // A stored "__proto__" key comes back as an own property, never as the object's prototype.
    const form = JSON.parse('{"plan":"free","__proto__":{"isAdmin":true}}')
    const t = await ws.openTicket({ customer: 'alice', subject: 's', description: 'x', customFields: form })
    const cf = (await ws.getTicket(t.id)).customFields
    assert.equal(Object.getPrototypeOf(cf), Object.prototype)
    assert.equal(cf.isAdmin, undefined)
    assert.deepEqual(Object.keys(cf).sort(), ['__proto__', 'plan'])
    assert.deepEqual(Object.getOwnPropertyDescriptor(cf, '__proto__').value, { isAdmin: true })
    // A key holding NUL is the core's invalid_input, not an internal error.
    await rejectsWith(
      ws.openTicket({ customer: 'alice', subject: 's', description: 'x', customFields: { 'a\u0000b': 1 } }),
      'invalid_input',
      'customFields',
    )
    // The keys of the caller's own JSON are named as written, not camelCased.
    let deep = 1
    for (let i = 0; i < 40; i++) deep = { deep_key: deep }
    const tooDeep = await ws
      .openTicket({ customer: 'alice', subject: 's', description: 'x', customFields: { order_info: deep } })
      .then(() => null, (e) => e)
    assert.equal(tooDeep?.code, 'invalid_input')
    assert.match(tooDeep.field, /^customFields\.order_info\.deep_key/)
    const rule = { name: 'VIP', on: ['ticket_created'], actions: [{ addTag: 'vip' }] }
    const deepRule = await ws
      .setRules([{ ...rule, conditions: [{ customField: { name: 'order_info', equals: { order_info: deep } } }] }])
      .then(() => null, (e) => e)
    assert.equal(deepRule?.code, 'invalid_input')
    assert.match(deepRule.field, /^rules\[0\]\.conditions\[0\]\.equals\.order_info\.deep_key\.deep_key/)
    // A getter or a Proxy trap that throws: the Promise rejects naming the key.
    const boom = { customer: 'alice', description: 'x', get subject() { throw new Error('boom') } }
    const pending = ws.openTicket(boom)
    assert.ok(pending instanceof Promise)
    const err = await pending.then(() => null, (e) => e)
    assert.equal(err.code, 'invalid_input')
    assert.equal(err.field, 'subject')
    assert.match(err.reason, /boom/)
    // Whatever is thrown, it is described without running more JavaScript.
    const weird = [Symbol('s'), Object.create(null), { toString() { throw new Error('again') } }, { get message() { throw new Error('again') } }]
    for (const thrown of weird) {
      const err = await ws
        .openTicket({ customer: 'alice', description: 'x', get subject() { throw thrown } })
        .then(() => null, (e) => e)
      assert.equal(err?.code, 'invalid_input', String(err))
      assert.equal(err.field, 'subject')
    }
    const getterItem = []
    Object.defineProperty(getterItem, 0, { get() { throw new Error('item') } })
    const { Calendar: Cal } = await import('../index.js')
    await rejectsWith(() => Cal.alwaysOpen().addMany(getterItem, [1]), 'invalid_input', 'starts')
    await rejectsWith(() => Helpdesk.inMemory(new Proxy({}, { ownKeys() { throw new Error('trap') } })), 'invalid_input', 'options')
    const trap = new Proxy({}, { ownKeys() { throw new Error('trap') } })
    await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'x', customFields: trap }), 'invalid_input', 'customFields')
    await rejectsWith(() => Helpdesk.inMemory({ get clock() { throw new Error('boom') } }), 'invalid_input', 'clock')
    await rejectsWith(Helpdesk.connect('memory:', { get schema() { throw new Error('boom') } }), 'invalid_input', 'schema')
    // Options are a plain object: a Map (whose entries are not keys) or a class instance is refused.
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'))
    class Opts { constructor() { this.clock = clock } }
    for (const options of [new Map([['clock', clock]]), new Opts()]) {
      await rejectsWith(() => Helpdesk.inMemory(options), 'invalid_input', 'options')
    }
    assert.equal((await ws.listTickets()).items.length, 1)
  })
})
