// Runs the shared table of bad inputs (bindings/testdata/bad_inputs.json)
// through the addon; bad-inputs.test.mjs runs it in a child process so that
// nothing can take the test run down. Prints `ok <n>`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Helpdesk } from '../index.js'

const TABLE = new URL('../../testdata/bad_inputs.json', import.meta.url)
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const field = (f) => f.split('.').map(camel).join('.')

class Instance {}

function value(v, ticket, key) {
  if (v === '$ticket') return ticket
  if (Array.isArray(v)) return v.map((x) => value(x, ticket))
  if (v === null || typeof v !== 'object') return v
  const keys = Object.keys(v)
  if (keys.length === 1 && keys[0].startsWith('$')) {
    const arg = v[keys[0]]
    switch (keys[0]) {
      case '$nan': return Number.NaN
      case '$inf': return Infinity
      case '$int': return Number(arg)
      case '$bigint': return 10n ** 21n
      case '$chars': return 'x'.repeat(arg)
      case '$map': return new Map([[1, 2]])
      case '$instance': return new Instance()
      case '$cycle': { const o = {}; o.self = o; return o }
      case '$date': return arg === 'naive' ? new Date('2026-01-01T00:00:00') : new Date(arg === 'invalid' ? 'x' : arg)
    }
  }
  // Keys are the caller's: camelCase, except inside custom fields (the host's own JSON).
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [key === 'custom_fields' ? k : camel(k), value(x, ticket, k)]))
}

const { cases } = JSON.parse(readFileSync(TABLE, 'utf8'))
const mine = cases.filter((c) => (c.hosts ?? ['node']).includes('node') && c.args.now?.$date !== 'naive')
const desk = Helpdesk.inMemory()
const ws = await desk.createWorkspace({ name: 'Bad', slug: 'bad' })
await ws.putCustomer({ id: 'c1', name: 'C' })
await ws.putAgent({ id: 'a1', name: 'A' })
const ticket = (await ws.openTicket({ customer: 'c1', subject: 's', description: 'd' })).id
await ws.resolve(ticket)
const snapshot = async () => JSON.stringify([
  (await ws.events({ limit: 1000 })).length, (await ws.getTicket(ticket)).version, (await ws.listAgents()).length,
  (await ws.ticketStats()).total, (await ws.listSlaPolicies()).length, await ws.info(),
])
for (const c of mine) {
  let args = value(c.args, ticket)
  if (args.input) args = { ...args.input, ...Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'input')) }
  // Every positional argument may also be given by name in the options object.
  const positional = c.args.input ? [args] : []
  const options = c.args.input ? undefined : args
  const before = await snapshot()
  let err
  try {
    await ws.call(c.op, positional, options)
  } catch (e) {
    err = e
  }
  assert.ok(err, `accepted: ${JSON.stringify(c)}`)
  assert.equal(err.code, c.code ?? 'invalid_input', `${JSON.stringify(c)}: ${err.code} ${err.message}`)
  if (c.field) {
    const want = field(c.field)
    assert.ok(err.field === want || (c.prefix && err.field?.startsWith(want + '.')), `${JSON.stringify(c)}: field ${err.field} (${err.message})`)
  }
  assert.equal(await snapshot(), before, `${JSON.stringify(c)} changed something`)
}
console.log('ok', mine.length)
