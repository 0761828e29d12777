// Every public operation of the addon, on the memory and PostgreSQL backends.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Helpdesk, Workspace, ManualClock, ERROR_CODES } from '../index.js'
import { backends, rejectsWith, setup, slug, H, MIN, DATABASE_URL } from './helpers.mjs'

const MISSING = '00000000-0000-7000-8000-000000000000'
const BERLIN = {
  timezone: 'Europe/Berlin',
  weekly: {
    mon: [['09:00', '12:00'], ['13:00', '17:00']],
    tue: [['09:00', '12:00'], ['13:00', '17:00']],
    wed: [['09:00', '12:00'], ['13:00', '17:00']],
    thu: [['09:00', '12:00'], ['13:00', '17:00']],
    fri: [['09:00', '12:00'], ['13:00', '17:00']],
  },
  holidays: ['2026-04-03'],
}

describe('module', () => {
  it('exports the error codes of the core', () => {
    assert.deepEqual(ERROR_CODES, ['not_found', 'invalid_input', 'invalid_transition', 'conflict', 'already_exists', 'storage', 'outcome_unknown', 'internal'])
  })
  it('has no public constructors for handles', () => {
    assert.throws(() => new Helpdesk())
    assert.throws(() => new Workspace())
  })
  it('reports a storage error when the database is unreachable', async () => {
    await rejectsWith(
      Helpdesk.connect('postgres://nobody@127.0.0.1:1/none', { acquireTimeoutMs: 300 }),
      'storage',
    )
  })
  it('rejects invalid Dates for a manual clock and leaves it unchanged', async () => {
    await rejectsWith(() => new ManualClock(new Date('x')), 'invalid_input', 'start')
    await rejectsWith(() => new ManualClock(new Date(8.64e15)), 'invalid_input', 'start')
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'))
    await rejectsWith(() => clock.set(new Date(Number.NaN)), 'invalid_input', 'at')
    assert.equal(clock.now().toISOString(), '2026-03-02T08:00:00.000Z')
  })

  it('rejects bad connection options with invalid_input', async () => {
    await rejectsWith(Helpdesk.connect('postgres://x@127.0.0.1:1/x', { acquireTimeoutMs: -5 }), 'invalid_input', 'acquireTimeoutMs')
  })
})

for (const backend of backends) {
  describe(`${backend.name} backend`, () => {
    let desk
    before(async () => {
      desk = await backend.open()
    })
    after(async () => {
      await desk?.close()
    })

    it('reports its backend', async () => {
      assert.equal(desk.backend, backend.name)
      if (backend.name === 'memory') assert.equal(desk.schema, null)
      else assert.match(desk.schema, /^node_t_/)
      assert.ok(desk.now() instanceof Date)
      if (backend.name === 'postgres') {
        // A temporary schema is fresh and already migrated.
        const tmp = await Helpdesk.connect(DATABASE_URL, { schema: 'node_tmp', temporary: true })
        assert.match(tmp.schema, /^node_tmp_[0-9a-z]+$/)
        const ws = await tmp.createWorkspace({ name: 'Tmp', slug: 'tmp' })
        assert.equal((await tmp.getWorkspace(ws.id)).slug, 'tmp')
        await tmp.close()
      }
      // connect() picks the backend by URL.
      const mem = await Helpdesk.connect('memory:')
      assert.equal(mem.backend, 'memory')
      assert.equal(await mem.rlsEnforced(), null)
      await rejectsWith(Helpdesk.connect('mysql://localhost/app'), 'invalid_input', 'url')
    })

    it('creates, finds and updates workspaces', async () => {
      const s = slug()
      const ws = await desk.createWorkspace({
        name: 'Acme',
        slug: s,
        settings: { timezone: 'Europe/Berlin', numberFormat: 'ACME-{seq:04}' },
      })
      assert.ok(ws instanceof Workspace)
      assert.match(ws.id, /^[0-9a-f-]{36}$/)
      const info = await ws.info()
      assert.equal(info.slug, s)
      assert.equal(info.settings.timezone, 'Europe/Berlin')
      assert.equal(info.settings.reopenWindow, 7 * 24 * H)
      assert.ok(info.createdAt instanceof Date)
      assert.equal((await desk.getWorkspace(ws.id)).name, 'Acme')
      assert.equal((await desk.workspaceBySlug(s)).id, ws.id)
      assert.equal(desk.workspace(ws.id).id, ws.id)
      assert.equal((await desk.getWorkspaceBySlug(s)).id, ws.id)
      const renamed = await desk.updateWorkspace(ws.id, { name: 'Acme GmbH' })
      assert.equal(renamed.name, 'Acme GmbH')
      assert.equal(renamed.settings.timezone, 'Europe/Berlin')
      const upd = await ws.update({ name: 'Acme Inc', settings: { reopenWindow: null, locale: 'de' } })
      assert.equal(upd.name, 'Acme Inc')
      assert.equal(upd.settings.reopenWindow, null)
      assert.equal(upd.settings.locale, 'de')
      assert.equal(upd.settings.timezone, 'Europe/Berlin', 'omitted settings are kept')
      const again = await ws.update({ settings: { reopenWindow: 2 * H } })
      assert.equal(again.settings.reopenWindow, 2 * H)
      assert.equal(again.name, 'Acme Inc')
      // The number format is used.
      await ws.putCustomer({ id: 'c', name: 'C' })
      const t = await ws.openTicket({ customer: 'c', subject: 's', description: 'd' })
      assert.equal(t.number, 'ACME-0001')
      // No priorities at all.
      const bare = await desk.createWorkspace({ name: 'Bare', slug: slug(), priorityPreset: 'none' })
      assert.deepEqual(await bare.listPriorities(), [])
      const p0 = await desk.createWorkspace({ name: 'P', slug: slug(), priorityPreset: 'p0_to_p3' })
      assert.deepEqual((await p0.listPriorities()).map((p) => p.code), ['p3', 'p2', 'p1', 'p0'])
    })

    it('maps workspace errors to codes', async () => {
      const s = slug()
      await desk.createWorkspace({ name: 'A', slug: s })
      await rejectsWith(desk.createWorkspace({ name: 'B', slug: s }), 'already_exists')
      await rejectsWith(desk.createWorkspace({ name: 'B', slug: 'Not A Slug' }), 'invalid_input', 'slug')
      await rejectsWith(desk.createWorkspace({ name: 'B', slug: slug(), settings: { timezone: 'Mars/Base' } }), 'invalid_input', 'settings.timezone')
      await rejectsWith(desk.createWorkspace({ name: 'B', slug: slug(), priorityPreset: 'nope' }), 'invalid_input', 'priorityPreset')
      await rejectsWith(desk.workspaceBySlug('no-such-slug'), 'not_found')
      await rejectsWith(desk.getWorkspaceBySlug('no-such-slug'), 'not_found')
      await rejectsWith(desk.updateWorkspace(MISSING, { name: 'x' }), 'not_found')
      await rejectsWith(desk.updateWorkspace(s, { name: 'x' }), 'invalid_input', 'workspace')
      await rejectsWith(desk.getWorkspace(MISSING), 'not_found')
      await rejectsWith(desk.workspace(MISSING).info(), 'not_found')
      await rejectsWith(() => desk.workspace('not-a-uuid'), 'invalid_input', 'id')
      await rejectsWith(desk.getWorkspace('x'), 'invalid_input')
    })

    it('puts the details of an error on it, as Python does', async () => {
      const caught = (p) => p.then(() => assert.fail('expected a rejection'), (e) => e)
      const s = slug()
      await desk.createWorkspace({ name: 'A', slug: s })
      const taken = await caught(desk.createWorkspace({ name: 'B', slug: s }))
      assert.deepEqual([taken.code, taken.entity, taken.key], ['already_exists', 'workspace', s])
      const missing = await caught(desk.getWorkspace(MISSING))
      assert.deepEqual([missing.code, missing.entity, missing.id], ['not_found', 'workspace', MISSING])
      const bad = await caught(desk.createWorkspace({ name: 'B', slug: 'Not A Slug' }))
      assert.deepEqual([bad.code, bad.field], ['invalid_input', 'slug'])
      assert.ok(bad.reason.length > 0 && bad.message.endsWith(bad.reason), bad.message)
      const ws = await setup(desk)
      const t = await ws.openTicket({ customer: 'alice', subject: 's', description: 'd' })
      await ws.setStatus(t.id, 'cancelled')
      const moved = await caught(ws.setStatus(t.id, 'open'))
      assert.deepEqual([moved.code, moved.status, moved.entity], ['invalid_transition', 'cancelled', undefined])
      const inc = await ws.declareIncident({ title: 'Down', severity: 'minor' })
      await ws.resolveIncident(inc.id, 'Up')
      const again = await caught(ws.resolveIncident(inc.id, 'again'))
      assert.deepEqual([again.code, again.entity, again.status], ['invalid_transition', 'incident', 'resolved'])
    })

    it('manages priorities', async () => {
      const ws = await setup(desk)
      const initial = await ws.listPriorities()
      assert.deepEqual(initial.map((p) => p.code), ['low', 'medium', 'high', 'urgent'])
      assert.equal(initial.find((p) => p.isDefault).code, 'medium')
      assert.equal(initial.find((p) => p.code === 'urgent').firstResponse, 30 * MIN)
      const put = await ws.putPriority({ code: 'critical', name: 'Critical', rank: 10, color: '#ff0000', firstResponse: 15 * MIN, isDefault: true })
      assert.equal(put.length, 5)
      assert.equal(put.at(-1).code, 'critical')
      assert.equal(put.filter((p) => p.isDefault).length, 1)
      assert.equal(put.at(-1).resolution, null)
      const set = await ws.setPriorities([
        { code: 'b', name: 'B', rank: 2 },
        { code: 'a', name: 'A', rank: 1, isDefault: true },
      ])
      assert.deepEqual(set.map((p) => p.code), ['a', 'b'])
      await rejectsWith(ws.setPriorities([{ code: 'a', name: 'A', rank: 1 }, { code: 'a', name: 'A', rank: 2 }]), 'invalid_input', 'code')
      await rejectsWith(ws.putPriority({ code: 'x', name: 'X', rank: 1, firstResponse: -1 }), 'invalid_input', 'firstResponse')
      const preset = await ws.installPriorityPreset('p0_to_p3')
      assert.deepEqual(preset.map((p) => [p.code, p.firstResponse]), [['p3', 24 * H], ['p2', 8 * H], ['p1', 2 * H], ['p0', 15 * MIN]])
      const seed002 = await ws.installPriorityPreset('low_to_critical')
      assert.deepEqual(seed002.map((p) => [p.code, p.firstResponse, p.resolution]), [
        ['low', null, 72 * H], ['medium', null, 24 * H], ['high', null, 8 * H], ['critical', null, 2 * H],
      ])
      await rejectsWith(ws.installPriorityPreset('bogus'), 'invalid_input', 'preset')
      await rejectsWith(desk.workspace(MISSING).listPriorities(), 'not_found')
    })

    it('manages categories, tags, agents, customers and teams', async () => {
      const ws = await setup(desk)
      const team = await ws.createTeam({ name: 'Tier 1', description: 'First line', lead: 'bob', members: ['carol'] })
      assert.deepEqual(team.members.sort(), ['bob', 'carol'])
      assert.equal(team.lead, 'bob')
      const team2 = await ws.updateTeam(team.id, { name: 'Tier 1b', members: ['carol'] })
      assert.equal(team2.name, 'Tier 1b')
      assert.deepEqual(team2.members, ['carol'])
      assert.equal(team2.createdAt.getTime(), team.createdAt.getTime())
      assert.equal((await ws.getTeam(team.id)).name, 'Tier 1b')
      assert.equal((await ws.listTeams()).length, 1)
      await rejectsWith(ws.createTeam({ name: 'X', members: ['ghost'] }), 'not_found')
      await rejectsWith(ws.getTeam(MISSING), 'not_found')

      const parent = await ws.createCategory({ name: 'Rides', icon: 'car', position: 1 })
      const child = await ws.createCategory({
        name: 'Ride Issue', description: 'Something went wrong on a ride', parent: parent.id,
        defaultPriority: 'high', defaultTeam: team.id, defaultAssignee: 'bob', position: 2,
      })
      assert.equal(child.parent, parent.id)
      assert.equal(child.active, true)
      assert.equal(parent.description, null)
      const upd = await ws.updateCategory(child.id, { name: 'Ride issue', parent: parent.id, active: false, position: 2 })
      assert.equal(upd.active, false)
      assert.equal(upd.defaultPriority, null)
      assert.equal((await ws.getCategory(child.id)).name, 'Ride issue')
      assert.deepEqual((await ws.listCategories()).map((c) => c.name), ['Rides', 'Ride issue'])
      await rejectsWith(ws.updateCategory(parent.id, { name: 'Rides', parent: child.id }), 'invalid_input', 'parent')
      await rejectsWith(ws.createCategory({ name: 'X', defaultPriority: 'nope' }), 'invalid_input', 'defaultPriority')
      await rejectsWith(ws.getCategory(MISSING), 'not_found')
      await rejectsWith(ws.getCategory('bad'), 'invalid_input', 'category')

      const tag = await ws.putTag({ slug: 'vip', name: 'VIP', color: '#aa0000' })
      assert.deepEqual(tag, { slug: 'vip', name: 'VIP', color: '#aa0000' })
      await ws.putTag({ slug: 'bug', name: 'Bug' })
      assert.deepEqual((await ws.listTags()).map((t) => t.slug), ['bug', 'vip'])
      await rejectsWith(ws.putTag({ slug: 'x', name: 'X', color: 'red' }), 'invalid_input', 'color')

      const agent = await ws.putAgent({ id: 'erin', name: 'Erin', email: 'erin@example.com', capacity: 5, available: false })
      assert.equal(agent.capacity, 5)
      assert.equal(agent.available, false)
      assert.equal(agent.active, true)
      const again = await ws.putAgent({ id: 'erin', name: 'Erin B', active: false })
      assert.equal(again.createdAt.getTime(), agent.createdAt.getTime())
      assert.equal((await ws.getAgent('erin')).name, 'Erin B')
      assert.deepEqual((await ws.listAgents()).map((a) => a.id), ['bob', 'carol', 'erin'])
      await rejectsWith(ws.getAgent('ghost'), 'not_found')
      await rejectsWith(ws.putAgent({ id: 'x', name: 'X', email: 'not-an-email' }), 'invalid_input', 'email')

      const cust = await ws.putCustomer({ id: 'frank', name: 'Frank', tier: 'gold', locale: 'de' })
      assert.equal(cust.tier, 'gold')
      assert.equal((await ws.getCustomer('frank')).locale, 'de')
      assert.deepEqual((await ws.listCustomers()).map((c) => c.id), ['alice', 'dave', 'frank'])
      await rejectsWith(ws.getCustomer('ghost'), 'not_found')
      await rejectsWith(ws.putCustomer({ id: '', name: 'X' }), 'invalid_input', 'id')
    })

    it('keeps the fields seed hosts map onto (priorities, teams, templates, sources, senders, URLs)', async () => {
      const ws = await setup(desk)
      const saved = await ws.setPriorities([
        { code: 'p3', name: 'P3', rank: 1, description: 'A question', active: false },
        { code: 'p2', name: 'P2', rank: 2, isDefault: true },
      ])
      assert.deepEqual([saved[0].description, saved[0].active, saved[1].active], ['A question', false, true])
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', priority: 'p3' }), 'invalid_input', 'priority')
      const team = await ws.createTeam({ name: 'Billing', members: ['bob'], email: 'billing@acme.test' })
      assert.deepEqual([team.email, team.active], ['billing@acme.test', true])
      await ws.updateTeam(team.id, { name: 'Billing', members: ['bob'], active: false })
      const a = await ws.createCategory({ name: 'A' })
      const tpl = await ws.createTemplate({ name: 'Refund', body: 'Done.', subject: 'Your refund', categories: [a.id], createdBy: 'bob' })
      assert.deepEqual([tpl.subject, tpl.categories, tpl.createdBy], ['Your refund', [a.id], 'bob'])
      const t = await ws.openTicket({
        customer: 'alice', subject: 'Call back', description: 'please', channel: 'phone',
        sourcePhone: '+1 555 0100', sourceEmail: 'alice@home.test', sender: { name: 'Front desk' },
      })
      assert.deepEqual([t.sourcePhone, t.sourceEmail], ['+1 555 0100', 'alice@home.test'])
      await rejectsWith(ws.assign(t.id, { team: team.id }), 'invalid_input', 'team')
      const thread = await ws.thread(t.id)
      assert.deepEqual(thread.messages[0].sender, { name: 'Front desk', email: null })
      const shot = { filename: 'shot.png', url: '/media/support/shot.png' }
      const m = await ws.customerMessage(t.id, 'alice', 'see', { attachments: [shot], sender: { email: 'relay@partner.test' } })
      assert.deepEqual(m.attachments, [{ filename: 'shot.png', size: null, mimeType: null, storageKey: null, url: '/media/support/shot.png' }])
      assert.deepEqual(m.sender, { name: null, email: 'relay@partner.test' })
      await rejectsWith(ws.customerMessage(t.id, 'alice', 'x', { attachments: [{ filename: 'x' }] }), 'invalid_input', 'attachments[0].storageKey')
      await rejectsWith(ws.customerMessage(t.id, 'alice', 'x', { attachments: [{ filename: 'x', url: 'ftp://x' }] }), 'invalid_input', 'attachments[0].url')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', sourcePhone: 'call me' }), 'invalid_input', 'sourcePhone')
      assert.equal((await ws.thread(t.id)).messages.length, 2)
      await ws.update({ settings: { numberFormat: 'TKT-{token}' } })
      const tokens = []
      for (let i = 0; i < 5; i++) tokens.push((await ws.openTicket({ customer: 'alice', subject: `t${i}`, description: 'd' })).number)
      assert.ok(tokens.every((n) => /^TKT-[A-HJ-NP-Z]{3}[0-9]{3}$/.test(n)), tokens.join())
      assert.equal(new Set(tokens).size, 5)
      const payment = await ws.createCategory({ name: 'Payment', code: 'payment' })
      assert.deepEqual(await ws.getCategoryByCode('payment'), payment)
      await rejectsWith(ws.createCategory({ name: 'Billing', code: 'payment' }), 'already_exists')
      assert.deepEqual((await ws.listPriorities()).map((p) => p.position), [0, 0])
      const notice = await ws.systemMessage(t.id, 'Payments are delayed today')
      assert.deepEqual([notice.kind, notice.author.type], ['system', 'system'])
      const [gold] = await ws.setSlaPolicies([{ name: 'Gold', description: 'Within the hour', targets: [] }])
      assert.equal(gold.description, 'Within the hour')
      const esc = await ws.createTeam({ name: 'Escalations', members: ['carol'] })
      const [fast] = await ws.setSlaPolicies([{ name: 'Fast', escalateTo: esc.id, targets: [{ priority: 'p2', firstResponse: H }] }])
      assert.equal(fast.escalateTo, esc.id)
      const slow = await ws.openTicket({ customer: 'alice', subject: 'slow', description: 'd' })
      await ws.slaSweep({ now: new Date(slow.createdAt.getTime() + 2 * H) })
      assert.equal((await ws.getTicket(slow.id)).team, esc.id)
      const breached = await ws.listTickets({ breached: true, priorities: ['p2', 'p3'] })
      assert.deepEqual(breached.items.map((x) => x.id), [slow.id])
      assert.deepEqual((await ws.listTickets({ dueBefore: new Date(0) })).items, [])
      const bulk = await ws.bulkUpdate([slow.id, t.id], { assignee: 'bob', by: { type: 'agent', id: 'bob' } })
      assert.deepEqual(bulk.map((o) => [o.ticket, o.updated?.assignee ?? null, o.error]), [[slow.id, 'bob', null], [t.id, 'bob', null]])
      await rejectsWith(ws.bulkUpdate([slow.id], { priority: 'p3' }), 'invalid_input', 'priority')
      await rejectsWith(ws.bulkUpdate([], { assignee: 'bob' }), 'invalid_input', 'tickets')
      const csv = await ws.exportTicketsCsv({ query: { breached: true } })
      assert.equal(csv.split('\r\n')[1].split(',')[0], slow.number)
      const page = await ws.exportTicketsCsvPage({ query: { limit: 1, breached: true }, columns: ['number', 'priority'], bom: true })
      assert.deepEqual([page.csv, page.nextCursor], [`\ufeffnumber,priority\r\n${slow.number},${slow.priority}\r\n`, null])
      await rejectsWith(ws.exportTicketsCsv({ columns: ['nope'] }), 'invalid_input', 'columns[0]')
      const tagged = await ws.bulkUpdate(undefined, { query: { breached: true }, addTags: ['late'], by: { type: 'agent', id: 'bob' } })
      assert.deepEqual(tagged.map((o) => o.updated.tags), [['late']])
      await rejectsWith(ws.bulkUpdate([slow.id], { query: { breached: true } }), 'invalid_input', 'tickets')
      const dash = await ws.dashboard()
      assert.ok(dash.at instanceof Date && dash.dayStart <= dash.at)
      assert.ok(dash.createdToday >= 1 && dash.breachingNow >= 1, JSON.stringify(dash))
      assert.equal(tpl.updatedAt, null)
      assert.ok((await ws.updateTemplate(tpl.id, { name: 'Refund', body: 'x' })).updatedAt instanceof Date)
    })

    it('imports tickets with their numbers and history', async () => {
      const ws = await setup(desk)
      const opened = new Date('2024-03-01T09:00:00Z')
      const later = (h) => new Date(opened.getTime() + h * H)
      const landed = await ws.importTickets([
        {
          seq: 42, customer: 'alice', subject: 'Refund', description: 'Please refund', createdAt: opened,
          status: 'resolved', resolvedAt: later(3),
          messages: [{ kind: 'reply', agent: 'bob', body: 'Done', createdAt: later(2) }],
        },
        { number: 'HD-7', customer: 'alice', subject: 'Printer', description: 'Jams', createdAt: later(1) },
      ])
      assert.deepEqual(landed.map((x) => [x.seq, x.number]), [[42, 'TKT-2024-00042'], [43, 'HD-7']])
      const t = await ws.getTicket(landed[0].id)
      assert.deepEqual([t.status, t.firstResponseAt, t.resolvedAt], ['resolved', later(2), later(3)])
      assert.deepEqual(await ws.events(), [])
      assert.equal((await ws.openTicket({ customer: 'alice', subject: 'New', description: 'd' })).seq, 44)
      await rejectsWith(
        ws.importTickets([{ customer: 'alice', subject: 's', description: 'd', createdAt: opened, messages: [{ kind: 'reply', body: 'x', createdAt: opened }] }]),
        'invalid_input', 'tickets[0].messages[0].agent')
      await rejectsWith(ws.importTickets([{ seq: 42, customer: 'alice', subject: 's', description: 'd', createdAt: opened }]), 'already_exists')
      await rejectsWith(ws.importTickets([{ customer: 'alice', subject: 's', description: 'd', createdAt: opened, openedAt: opened }]), 'invalid_input', 'tickets[0].openedAt')
    })

    it('ingests e-mail, threads replies to notifications, and refuses bad mail', async () => {
      const ws = await setup(desk, { settings: { mail: { address: 'help@acme.example' } } })
      const raw = Buffer.from(
        'From: Alice <alice@example.com>\r\nTo: help@acme.example\r\nSubject: Printer\r\n' +
        'Message-ID: <n1@example.com>\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIt jams.\r\n' +
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n' +
        'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n')
      const first = await ws.ingestEmail(raw, { mailbox: 'help@acme.example', tags: ['mail'] })
      assert.equal(first.record.outcome, 'created')
      assert.equal(first.duplicate, false)
      assert.deepEqual([first.ticket.channel, first.ticket.tags, first.message.body], ['email', ['mail'], 'It jams.'])
      assert.ok(Buffer.isBuffer(first.parts[0].content))
      assert.equal(first.parts[0].content.toString(), '%PDF-1.4\n')
      assert.equal(first.message.attachments[0].storageKey, first.parts[0].storageKey)
      // The same bytes again (a Uint8Array this time): a duplicate.
      const again = await ws.ingestEmail(new Uint8Array(raw), { mailbox: 'help@acme.example' })
      assert.deepEqual([again.duplicate, again.ticket.id], [true, first.ticket.id])

      await ws.reply(first.ticket.id, 'bob', 'Try turning it off and on')
      const batch = await ws.notifications()
      const reply = batch.notifications.find((n) => n.kind === 'customer.reply')
      assert.equal(reply.to.email, 'alice@example.com')
      assert.match(reply.subject, new RegExp(first.ticket.number))
      assert.equal(reply.headers['Reply-To'], 'help@acme.example')
      await ws.ackNotifications(batch.cursor)
      assert.deepEqual((await ws.notifications()).notifications, [])
      const answer = Buffer.from(
        `From: alice@example.com\r\nSubject: Re: ok\r\nMessage-ID: <n2@example.com>\r\nIn-Reply-To: ${reply.messageId}\r\n\r\nWorks!\r\n`)
      const r = await ws.ingestEmail(answer)
      assert.deepEqual([r.record.outcome, r.ticket.id, r.message.body], ['appended', first.ticket.id, 'Works!'])
      const away = Buffer.from('From: alice@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\nOut\r\n')
      assert.deepEqual((await ws.ingestEmail(away)).record.reason, 'auto_reply')
      assert.equal((await ws.inboundMail({ outcome: 'ignored' })).length, 1)

      await rejectsWith(ws.ingestEmail('From: a@b.c\r\n\r\nx'), 'invalid_input', 'raw')
      await rejectsWith(ws.ingestEmail(new Float64Array(2)), 'invalid_input', 'raw')
      await rejectsWith(ws.ingestEmail(Buffer.alloc(0)), 'invalid_input', 'raw')
      await rejectsWith(ws.ingestEmail(Buffer.alloc(65 << 20)), 'invalid_input', 'raw')
      await rejectsWith(ws.ingestEmail(answer, { storagePrefx: 'x' }), 'invalid_input', 'storagePrefx')
      await rejectsWith(ws.update({ settings: { mail: { templates: { 'customer.nope': { subject: 's', body: 'b' } } } } }),
        'invalid_input', 'settings.mail.templates.customer.nope')
    })

    it('runs automation rules inside the change that fires them', async () => {
      const ws = await setup(desk)
      const tpl = await ws.createTemplate({ name: 'Ack', body: 'We got {{ ticket.number }} ({{ ticket.priority }})' })
      await ws.setRules([
        {
          name: 'Payments',
          on: ['ticket_created'],
          conditions: [{ words: ['payment', 'оплата'] }],
          actions: [{ setPriority: 'high' }, { addTag: 'billing' }, { reply: tpl.id }, { assign: 'bob' }],
        },
      ])
      assert.deepEqual((await ws.listRules()).map((r) => [r.name, r.active, r.stop]), [['Payments', true, false]])
      const t = await ws.openTicket({ customer: 'alice', subject: 'Payment failed', description: 'Card declined' })
      assert.deepEqual([t.priority, t.tags, t.assignee], ['high', ['billing'], 'bob'])
      const thread = await ws.thread(t.id, { view: 'customer' })
      assert.equal(thread.messages[1].body, `We got ${t.number} (high)`)
      const applied = (await ws.events({ limit: 100 })).filter((e) => e.type === 'automation.applied' && e.ticketId === t.id)
      assert.deepEqual(applied.map((e) => [e.data.rule, e.data.actions]), [['Payments', ['set_priority', 'add_tag', 'assign', 'reply']]])
      await rejectsWith(ws.setRules([{ name: 'Bad', on: ['ticket_created'], actions: [{ assign: 'ghost' }] }]), 'not_found')
      await rejectsWith(ws.setRules([{ name: 'Bad', on: ['ticket_created'], actions: [] }]), 'invalid_input', 'rules[0].actions')
      assert.equal((await ws.listRules()).length, 1)
    })

    it('assigns by strategy within capacity and runs time rules once', async () => {
      const ws = await setup(desk)
      await ws.putAgent({ id: 'ann', name: 'Ann', capacity: 1 })
      const team = await ws.createTeam({ name: 'Billing', members: ['ann'], strategy: 'round_robin' })
      assert.equal(team.strategy, 'round_robin')
      const first = await ws.openTicket({ customer: 'alice', subject: 'one', description: 'x', team: team.id })
      assert.equal(first.assignee, 'ann')
      const waiting = await ws.openTicket({ customer: 'alice', subject: 'two', description: 'x', team: team.id })
      assert.equal(waiting.assignee, null)
      await ws.resolve(first.id, { by: { type: 'agent', id: 'ann' } })
      assert.equal((await ws.getTicket(waiting.id)).assignee, 'ann')
      const history = await ws.assignmentHistory(waiting.id)
      assert.equal(history.at(-1).reason, 'round_robin: 0/1 open in team Billing')

      const rules = await ws.addPreset({ autoClose: { after: 3 * 24 * H } })
      assert.deepEqual(rules.map((r) => [r.name, r.after.since]), [['Close resolved tickets after 3 days', 'resolved']])
      const resolved = await ws.getTicket(first.id)
      assert.equal(resolved.timers.due.getTime(), resolved.resolvedAt.getTime() + 3 * 24 * H)
      // Dates carry milliseconds; the instant itself may hold microseconds more.
      const at = new Date(resolved.timers.due.getTime() + 1)
      const early = await ws.runAutomations({ now: new Date(at.getTime() - 1000) })
      assert.deepEqual(early.fired, [])
      const runs = await Promise.all([0, 1, 2, 3].map(() => ws.runAutomations({ now: at })))
      assert.deepEqual(runs.flatMap((r) => r.fired.map((f) => f.number)), [first.number])
      assert.equal((await ws.getTicket(first.id)).status, 'closed')
      assert.deepEqual(await ws.drainBacklog(), [])
      await rejectsWith(ws.setRules([{ name: 'x', after: { since: 'resolved', after: 5000 }, actions: [{ setStatus: 'closed' }] }]), 'invalid_input', 'rules[0].after.after')
      await rejectsWith(ws.addPreset({ autoClos: {} }), 'invalid_input')
    })

    it('runs incidents, the service status and access recovery', async () => {
      const ws = await setup(desk)
      assert.ok((await desk.health()).roundTripUs >= 0)
      const payments = await ws.createCategory({ name: 'Payments', code: 'payment' })
      const inc = await ws.declareIncident({ title: 'Payments down', severity: 'critical', categories: [payments.id] })
      let status = await ws.serviceStatus()
      assert.deepEqual([status.state, status.banner], ['major_outage', 'Payments down'])
      const t = await ws.openTicket({ customer: 'alice', subject: 'card', description: 'declined', category: payments.id })
      assert.deepEqual([t.incident.id, t.incident.open], [inc.id, true])
      await ws.postIncidentUpdate(inc.id, 'Fix deployed')
      assert.equal((await ws.serviceStatus()).banner, 'Fix deployed')
      const done = await ws.resolveIncident(inc.id, 'Works again', { resolveTickets: true })
      assert.equal(done.status, 'resolved')
      assert.equal((await ws.getTicket(t.id)).status, 'resolved')
      assert.equal((await ws.incidentFigures(inc.id)).linkedTickets, 1)
      await rejectsWith(ws.resolveIncident(inc.id, 'again'), 'invalid_transition')
      await rejectsWith(ws.getIncident(MISSING), 'not_found')
      status = await ws.serviceStatus()
      assert.equal(status.state, 'operational')

      const r = await ws.requestAccess({ kind: 'password_reset', customer: 'alice', expiresIn: H }, { by: { type: 'customer', id: 'alice' } })
      assert.equal(r.status, 'pending')
      assert.equal(r.expiresAt.getTime() - r.createdAt.getTime(), H)
      const approved = await ws.decideAccess(r.id, 'approved', { note: 'ID checked', by: { type: 'agent', id: 'bob' } })
      assert.deepEqual([approved.status, approved.reason], ['approved', 'ID checked'])
      await rejectsWith(ws.decideAccess(r.id, 'rejected', { note: 'no', by: { type: 'agent', id: 'bob' } }), 'invalid_transition')
      await rejectsWith(ws.decideAccess(r.id, 'rejected', { by: { type: 'agent', id: 'bob' } }), 'invalid_input', 'note')
      await rejectsWith(ws.requestAccess({ kind: 'password_reset' }), 'invalid_input', 'contact')
      await rejectsWith(ws.requestAccess({ kind: 'password_reset', customer: 'alice', expiresIn: 1000 }), 'invalid_input', 'expiresIn')
      const events = (await ws.events({ limit: 100 })).filter((e) => e.type === 'access.approved')
      assert.deepEqual(events.map((e) => e.data.request), [r.id])
      assert.deepEqual((await ws.listAccessRequests({ customer: 'alice' })).map((x) => x.id), [r.id])
    })

    it('searches tickets by words in both languages', async () => {
      const ws = await setup(desk)
      const a = await ws.openTicket({ customer: 'alice', subject: 'Payment failed', description: 'My card was declined twice' })
      const b = await ws.openTicket({ customer: 'alice', subject: 'Не проходит платёж', description: 'Платежи не работают' })
      await ws.addNote(b.id, 'bob', 'secret refund')
      assert.deepEqual((await ws.searchTickets('payments')).items.map((h) => h.ticket.id), [a.id])
      assert.equal((await ws.searchTickets('declined')).items[0].snippet, 'My card was [declined] twice')
      assert.deepEqual((await ws.listTickets({ search: 'платежи' })).items.map((t) => t.id), [b.id])
      assert.deepEqual((await ws.searchTickets('secret')).items, [])
      assert.deepEqual((await ws.searchTickets('secret', { searchNotes: true })).items.map((h) => h.ticket.id), [b.id])
      assert.deepEqual((await ws.searchTickets('"card was declined" -refund')).items.map((h) => h.ticket.id), [a.id])
      await rejectsWith(ws.searchTickets('x'.repeat(10_000)), 'invalid_input', 'search')
      // Relevance (subject and description words count twice), customers by name.
      const c = await ws.openTicket({ customer: 'alice', subject: 'Card declined', description: 'Again' })
      await ws.reply(a.id, 'bob', 'Declined by the bank')
      assert.deepEqual((await ws.searchTickets('declined')).items.map((h) => h.ticket.id), [c.id, a.id])
      assert.deepEqual((await ws.searchTickets('declined', { order: 'relevance' })).items.map((h) => h.ticket.id), [a.id, c.id])
      await rejectsWith(ws.listTickets({ order: 'relevance' }), 'invalid_input', 'order')
      assert.equal((await ws.listTickets({ search: 'alice' })).items.length, 3)
    })

    it('reports metrics, stores daily statistics and merges tickets', async () => {
      const ws = await setup(desk)
      const since = new Date(Date.now() - 60_000)
      const a = await ws.openTicket({ customer: 'alice', subject: 'Printer jams', description: 'Page 2', priority: 'high' })
      await ws.reply(a.id, 'bob', 'Rear tray?')
      await ws.resolve(a.id, { by: { type: 'agent', id: 'bob' } })
      const b = await ws.openTicket({ customer: 'alice', subject: 'Printer again', description: 'Same', priority: 'low' })
      const until = new Date(Date.now() + 60_000)
      const m = await ws.metrics(since, until, { groupBy: 'priority' })
      assert.deepEqual([m.totals.created, m.totals.resolved, m.totals.backlog, m.totals.firstResponse.count], [2, 1, 1, 1])
      assert.deepEqual(m.groups.map((g) => g.key).sort(), ['high', 'low'])
      assert.ok((await ws.exportMetricsCsv(since, until)).startsWith('start,key,created,'))
      await rejectsWith(ws.metrics(until, since), 'invalid_input', 'until')
      await rejectsWith(ws.metrics(since, until, { interval: 'hour' }), 'invalid_input', 'interval')
      const day = await ws.recordDailyStats()
      assert.equal(typeof day.day, 'string')
      assert.deepEqual(await ws.recordDailyStats({ day: day.day }), day)
      assert.deepEqual(await ws.dailyStats(day.day, day.day), [day])
      const merged = await ws.mergeTickets(b.id, a.id, 'bob')
      assert.equal(merged.id, a.id)
      const thread = (await ws.thread(a.id)).messages
      assert.equal(thread.at(-1).mergedFrom, b.id)
      assert.equal((await ws.getTicket(b.id)).mergedInto, a.id)
      await rejectsWith(ws.mergeTickets(a.id, a.id, 'bob'), 'invalid_input', 'target')
    })

    it('keeps a knowledge base in two languages', async () => {
      const ws = await setup(desk)
      const faq = await ws.createKbCategory({ slug: 'faq', name: 'FAQ', faq: true })
      const en = await ws.createArticle({ slug: 'reset-password', title: 'How do I reset my password?', body: 'Open **Settings**.', category: faq.id, language: 'en', status: 'published' })
      assert.ok(en.html.includes('<strong>Settings</strong>'))
      const ru = await ws.createArticle({ slug: 'sbros', title: 'Как сбросить пароль?', body: 'Откройте настройки.', language: 'ru', status: 'published', translationOf: en.id })
      assert.deepEqual((await ws.searchArticles('пароли', 'ru')).map((h) => h.article.id), [ru.id])
      assert.equal((await ws.readArticle('reset-password', 'ru', { fallback: 'en' })).id, ru.id)
      assert.deepEqual((await ws.suggestArticles('reset my password', 'en')).articles.map((h) => h.article.id), [en.id])
      // Deflection: what a customer was shown, and the ticket opened anyway.
      const since = new Date(Date.now() - 60_000)
      const shown = await ws.suggestArticles('forgot password', 'en', { shownTo: 'alice' })
      await rejectsWith(ws.openTicket({ customer: 'dave', subject: 's', description: 'd', suggestions: shown.id }), 'invalid_input', 'suggestions')
      const t = await ws.openTicket({ customer: 'alice', subject: 'Locked out', description: 'Help', suggestions: shown.id })
      assert.equal((await ws.getSuggestions(shown.id)).ticket, t.id)
      const report = await ws.deflectionReport(since, new Date(Date.now() + 60_000))
      assert.deepEqual([report.shown, report.ticketsOpened, report.deflectionRate], [1, 1, 0])
      assert.deepEqual(report.articles.map((a) => [a.article, a.shown]), [[en.id, 1]])
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', suggestions: '00000000-0000-0000-0000-000000000000' }), 'not_found')
      assert.equal((await ws.voteArticle(en.id, 'u1', { helpful: true })).helpful, 1)
      assert.equal((await ws.voteArticle(en.id, 'u1', { helpful: false })).notHelpful, 1)
      assert.deepEqual((await ws.listArticles({ filter: { faq: true } })).map((a) => a.id), [en.id])
      await rejectsWith(ws.createArticle({ slug: 'reset-password', title: 'Dup', body: 'x', language: 'en' }), 'already_exists')
      await rejectsWith(ws.createArticle({ slug: 'Bad Slug', title: 'x', body: 'x' }), 'invalid_input', 'slug')
    })

    it('manages and renders templates', async () => {
      const ws = await setup(desk)
      const cat = await ws.createCategory({ name: 'Billing' })
      const other = await ws.createCategory({ name: 'Other' })
      const tpl = await ws.createTemplate({ name: 'Hello', body: 'Hi {{ customer.name }}, about {{ ticket.number }} from {{ agent.name }} at {{ workspace.name }}', language: 'en' })
      const billing = await ws.createTemplate({ name: 'Refund', body: 'Refund for {{ customer.name }}', categories: [cat.id] })
      assert.equal(tpl.usageCount, 0)
      assert.equal(tpl.active, true)
      assert.deepEqual(billing.categories, [cat.id])
      const t = await ws.openTicket({ customer: 'alice', subject: 'Card', description: 'Charged twice', assignee: 'carol' })
      assert.equal(await ws.renderTemplate(tpl.id, t.id, { agent: 'bob' }), `Hi Alice, about ${t.number} from Bob at Acme`)
      assert.equal(await ws.renderTemplate(tpl.id, t.id), `Hi Alice, about ${t.number} from Carol at Acme`)
      assert.equal((await ws.getTemplate(tpl.id)).usageCount, 2)
      const upd = await ws.updateTemplate(tpl.id, { name: 'Hello!', body: 'Hey {{ customer.name }}', active: false })
      assert.equal(upd.usageCount, 2)
      await rejectsWith(ws.renderTemplate(tpl.id, t.id), 'invalid_input', 'template')
      assert.deepEqual((await ws.listTemplates()).map((x) => x.name), ['Hello!', 'Refund'])
      assert.deepEqual((await ws.listTemplates({ category: other.id })).map((x) => x.name), ['Hello!'])
      assert.deepEqual((await ws.listTemplates({ category: cat.id })).map((x) => x.name), ['Hello!', 'Refund'])
      await rejectsWith(ws.createTemplate({ name: 'Bad', body: 'Hi {{ customer.name ' }), 'invalid_input', 'body')
      await rejectsWith(ws.getTemplate(MISSING), 'not_found')
    })

    it('opens tickets with every option, idempotently', async () => {
      const ws = await setup(desk)
      const team = await ws.createTeam({ name: 'T', members: ['bob'] })
      const cat = await ws.createCategory({ name: 'Rides', defaultPriority: 'high', defaultTeam: team.id, defaultAssignee: 'bob' })
      const t = await ws.openTicket({
        customer: 'alice',
        subject: 'Driver was rude',
        description: 'On my ride yesterday',
        html: '<p>On my ride yesterday</p>',
        category: cat.id,
        channel: 'telegram',
        tags: ['vip', 'ride', 'vip'],
        links: [{ kind: 'ride', id: '77' }],
        customFields: { rideId: 77, nested: { ok: true }, list: [1, 'two'] },
        attachments: [{ filename: 'a.png', size: 1234, mimeType: 'image/png', storageKey: 's3://x/a.png' }],
        emailMessageId: '<m1@example.com>',
        idempotencyKey: 'req-1',
      })
      assert.equal(t.status, 'new')
      assert.equal(t.priority, 'high')
      assert.equal(t.category, cat.id)
      assert.equal(t.team, team.id)
      assert.equal(t.assignee, 'bob')
      assert.equal(t.channel, 'telegram')
      assert.deepEqual(t.tags, ['ride', 'vip'])
      assert.deepEqual(t.links, [{ kind: 'ride', id: '77' }])
      assert.deepEqual(t.customFields, { rideId: 77, nested: { ok: true }, list: [1, 'two'] })
      assert.equal(t.seq, 1)
      assert.equal(t.version, 1)
      assert.match(t.number, /^TKT-\d{4}-00001$/)
      assert.equal(t.customer, 'alice')
      assert.equal(t.firstResponseAt, null)
      assert.ok(t.awaitingReplySince instanceof Date)
      assert.equal(t.sla.policy, null)
      assert.deepEqual(t.sla.clocks.map((c) => c.metric), ['first_response', 'resolution'])
      assert.equal(t.sla.clocks[0].target, 2 * H)
      assert.equal(t.sla.clocks[0].status, 'running')
      assert.ok(t.sla.dueAt instanceof Date)
      // The key is bound to its request: another payload is a conflict.
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 'Driver was rude', description: 'again', idempotencyKey: 'req-1' }), 'conflict')
      const th = await ws.thread(t.id)
      assert.equal(th.messages.length, 1)
      assert.equal(th.messages[0].html, '<p>On my ride yesterday</p>')
      assert.deepEqual(th.messages[0].attachments, [{ filename: 'a.png', size: 1234, mimeType: 'image/png', storageKey: 's3://x/a.png', url: null }])
      assert.equal(th.messages[0].emailMessageId, '<m1@example.com>')
      assert.deepEqual(th.messages[0].author, { type: 'customer', id: 'alice' })
      assert.equal((await ws.getTicket(t.id)).id, t.id)
      assert.equal((await ws.getTicketByNumber(t.number)).id, t.id)

      await rejectsWith(ws.openTicket({ customer: 'ghost', subject: 's', description: 'd' }), 'not_found')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: '', description: 'd' }), 'invalid_input', 'subject')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: ' ' }), 'invalid_input', 'body')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', channel: 'pigeon' }), 'invalid_input', 'channel')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', priority: 'p9' }), 'invalid_input', 'priority')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', links: [{ kind: 'Bad Kind', id: '1' }] }), 'invalid_input', 'links[0].kind')
      await rejectsWith(ws.openTicket({ customer: 'alice', subject: 's', description: 'd', attachments: [{ filename: 'a', size: -1, mimeType: 'x', storageKey: 'k' }] }), 'invalid_input', 'attachments[0].size')
      await rejectsWith(ws.getTicket(MISSING), 'not_found')
      await rejectsWith(ws.getTicket('nope'), 'invalid_input', 'ticket')
      await rejectsWith(ws.getTicketByNumber('TKT-0000-99999'), 'not_found')
    })

    it('runs the ticket workflow: messages, notes, assignment, status, tags, links, rating, edits', async () => {
      const ws = await setup(desk)
      const team = await ws.createTeam({ name: 'T2', members: ['bob', 'carol'] })
      const cat = await ws.createCategory({ name: 'Payments' })
      const t = await ws.openTicket({ customer: 'alice', subject: 'Refund', description: 'Please refund' })

      const reply = await ws.reply(t.id, 'bob', 'Looking into it', { status: 'waiting_user', idempotencyKey: 'r1' })
      assert.equal(reply.kind, 'reply')
      assert.deepEqual(reply.author, { type: 'agent', id: 'bob' })
      let cur = await ws.getTicket(t.id)
      assert.equal(cur.status, 'pending')
      assert.ok(cur.firstResponseAt instanceof Date)
      const dupe = await ws.reply(t.id, 'bob', 'Looking into it', { idempotencyKey: 'r1' })
      assert.equal(dupe.id, reply.id)

      const cm = await ws.customerMessage(t.id, 'alice', 'Any news?')
      assert.equal(cm.kind, 'customer')
      assert.equal((await ws.getTicket(t.id)).status, 'open')
      await rejectsWith(ws.customerMessage(t.id, 'dave', 'me too'), 'invalid_input', 'customer')

      const note = await ws.addNote(t.id, 'carol', 'Customer is a VIP')
      assert.equal(note.kind, 'note')
      // One message by id: the customer view does not see notes.
      assert.deepEqual(await ws.getMessage(note.id), note)
      assert.deepEqual(await ws.getMessage(reply.id, { view: 'customer' }), reply)
      await rejectsWith(ws.getMessage(note.id, { view: 'customer' }), 'not_found')
      await rejectsWith(ws.getMessage('nope'), 'invalid_input', 'message')
      await rejectsWith(ws.addNote(t.id, 'carol', 'x', { status: 'open' }), 'invalid_input', 'status')
      await rejectsWith(ws.reply(t.id, 'ghost', 'x'), 'not_found')
      await rejectsWith(ws.reply(t.id, 'bob', ''), 'invalid_input', 'body')

      const agentView = await ws.thread(t.id, { view: 'agent' })
      const customerView = await ws.thread(t.id, { view: 'customer' })
      assert.deepEqual(agentView.messages.map((m) => m.kind), ['customer', 'reply', 'customer', 'note'])
      assert.deepEqual(customerView.messages.map((m) => m.kind), ['customer', 'reply', 'customer'])
      assert.equal(customerView.ticket.id, t.id)
      await rejectsWith(ws.thread(t.id, { view: 'boss' }), 'invalid_input', 'view')

      cur = await ws.assign(t.id, { agent: 'bob', team: team.id, by: { type: 'agent', id: 'carol' } })
      assert.equal(cur.assignee, 'bob')
      assert.equal(cur.team, team.id)
      cur = await ws.assign(t.id, { agent: 'carol', reason: 'Needs a specialist', escalate: true })
      assert.equal(cur.assignee, 'carol')
      cur = await ws.unassign(t.id, { by: { type: 'system' } })
      assert.equal(cur.assignee, null)
      const hist = await ws.assignmentHistory(t.id)
      assert.deepEqual(hist.map((h) => h.action), ['assigned', 'escalated', 'unassigned'])
      assert.deepEqual(hist[0].by, { type: 'agent', id: 'carol' })
      assert.equal(hist[1].reason, 'Needs a specialist')
      assert.equal(hist[1].from, 'bob')
      assert.ok(hist[2].at instanceof Date)
      await rejectsWith(ws.assign(t.id, { agent: 'ghost' }), 'not_found')
      await rejectsWith(ws.assign(t.id, { by: { type: 'agent', id: '' } }), 'invalid_input')

      cur = await ws.setStatus(t.id, 'in_progress', { by: { type: 'agent', id: 'bob' } })
      assert.equal(cur.status, 'in_progress')
      await rejectsWith(ws.setStatus(t.id, 'new'), 'invalid_transition')
      await rejectsWith(ws.setStatus(t.id, 'whatever'), 'invalid_input', 'status')

      cur = await ws.setPriority(t.id, 'urgent')
      assert.equal(cur.priority, 'urgent')
      await rejectsWith(ws.setPriority(t.id, 'nope'), 'invalid_input', 'priority')
      cur = await ws.setCategory(t.id, cat.id)
      assert.equal(cur.category, cat.id)
      cur = await ws.setCategory(t.id, null)
      assert.equal(cur.category, null)
      await rejectsWith(ws.setCategory(t.id, MISSING), 'not_found')

      cur = await ws.addTag(t.id, 'refund')
      cur = await ws.addTag(t.id, 'vip')
      assert.deepEqual(cur.tags, ['refund', 'vip'])
      cur = await ws.removeTag(t.id, 'refund')
      assert.deepEqual(cur.tags, ['vip'])
      await rejectsWith(ws.addTag(t.id, 'Not A Tag'), 'invalid_input', 'tag')
      cur = await ws.link(t.id, 'order:8812')
      cur = await ws.link(t.id, { kind: 'ride', id: '9' })
      assert.deepEqual(cur.links, [{ kind: 'order', id: '8812' }, { kind: 'ride', id: '9' }])
      await rejectsWith(ws.link(t.id, 'no-colon'), 'invalid_input', 'link')

      await rejectsWith(ws.rate(t.id, 5), 'invalid_transition')
      cur = await ws.resolve(t.id, { by: { type: 'agent', id: 'bob' } })
      assert.equal(cur.status, 'resolved')
      assert.ok(cur.resolvedAt instanceof Date)
      await rejectsWith(ws.rate(t.id, 6), 'invalid_input', 'rating')
      cur = await ws.rate(t.id, 5, { comment: 'Great!', by: { type: 'customer', id: 'alice' } })
      assert.equal(cur.satisfaction.rating, 5)
      assert.equal(cur.satisfaction.comment, 'Great!')
      assert.ok(cur.satisfaction.ratedAt instanceof Date)
      cur = await ws.reopen(t.id)
      assert.equal(cur.status, 'open')
      cur = await ws.close(t.id)
      assert.equal(cur.status, 'closed')
      assert.ok(cur.closedAt instanceof Date)
      await rejectsWith(ws.customerMessage(t.id, 'alice', 'hello?'), 'invalid_transition')
      cur = await ws.reopen(t.id)
      assert.equal(cur.status, 'open')

      const v = cur.version
      cur = await ws.updateTicket(t.id, { subject: 'Refund please', customFields: { order: 8812 }, expectedVersion: v, by: { type: 'agent', id: 'bob' } })
      assert.equal(cur.subject, 'Refund please')
      assert.deepEqual(cur.customFields, { order: 8812 })
      assert.equal(cur.version, v + 1)
      await rejectsWith(ws.updateTicket(t.id, { description: 'stale', expectedVersion: v }), 'conflict')
      await rejectsWith(ws.updateTicket(t.id, { expectedVersion: -1 }), 'invalid_input', 'expectedVersion')
      cur = await ws.setStatus(t.id, 'cancelled')
      await rejectsWith(ws.reopen(t.id), 'invalid_transition')
      await rejectsWith(ws.resolve(MISSING), 'not_found')
    })

    it('lists tickets with filters, orders and cursors; counts them', async () => {
      const ws = await setup(desk)
      const team = await ws.createTeam({ name: 'Q', members: ['bob'] })
      const cat = await ws.createCategory({ name: 'Cat' })
      const mk = (o) => ws.openTicket({ customer: 'alice', subject: 's', description: 'd', ...o })
      const a = await mk({ priority: 'low' })
      const b = await mk({ priority: 'urgent', assignee: 'bob', team: team.id })
      const c = await mk({ customer: 'dave', tags: ['vip'], category: cat.id })
      const d = await mk({ priority: 'high' })
      await ws.resolve(d.id)
      const e = await mk({})
      await ws.setStatus(e.id, 'pending')
      const ids = (page) => page.items.map((t) => t.id)

      assert.deepEqual(ids(await ws.listTickets()), [e.id, d.id, c.id, b.id, a.id])
      assert.deepEqual(ids(await ws.listTickets({ order: 'oldest' })), [a.id, b.id, c.id, d.id, e.id])
      assert.deepEqual(ids(await ws.listTickets({ statuses: ['resolved', 'pending'], order: 'oldest' })), [d.id, e.id])
      assert.deepEqual(ids(await ws.listTickets({ statuses: ['waiting_user'] })), [e.id], 'status aliases')
      assert.deepEqual(ids(await ws.listTickets({ priority: 'urgent' })), [b.id])
      assert.deepEqual(ids(await ws.listTickets({ assignee: 'bob' })), [b.id])
      assert.equal((await ws.listTickets({ unassigned: true })).items.length, 4)
      assert.deepEqual(ids(await ws.listTickets({ team: team.id })), [b.id])
      assert.deepEqual(ids(await ws.listTickets({ category: cat.id })), [c.id])
      assert.deepEqual(ids(await ws.listTickets({ tag: 'vip' })), [c.id])
      assert.deepEqual(ids(await ws.listTickets({ customer: 'dave' })), [c.id])
      assert.equal(ids(await ws.listTickets({ order: 'urgency' }))[0], b.id)

      for (const order of ['newest', 'oldest', 'urgency']) {
        const seen = []
        let after
        let pages = 0
        do {
          const page = await ws.listTickets({ order, limit: 2, after })
          seen.push(...ids(page))
          after = page.nextCursor ?? undefined
          pages += 1
        } while (after)
        assert.equal(pages, 3, order)
        assert.equal(new Set(seen).size, 5, order)
      }
      await rejectsWith(ws.listTickets({ limit: 0 }), 'invalid_input', 'limit')
      await rejectsWith(ws.listTickets({ after: 'garbage' }), 'invalid_input', 'after')
      await rejectsWith(ws.listTickets({ order: 'random' }), 'invalid_input', 'order')
      await rejectsWith(ws.listTickets({ statuses: ['bogus'] }), 'invalid_input', 'statuses[0]')

      const stats = await ws.ticketStats()
      assert.equal(stats.total, 5)
      assert.deepEqual(stats.byStatus, { new: 3, open: 0, in_progress: 0, pending: 1, on_hold: 0, resolved: 1, closed: 0, cancelled: 0 })
      await rejectsWith(desk.workspace(MISSING).ticketStats(), 'not_found')
    })

    it('reads events after a cursor and tracks consumers', async () => {
      const ws = await setup(desk)
      const t = await ws.openTicket({ customer: 'alice', subject: 's', description: 'd' })
      await ws.reply(t.id, 'bob', 'hi')
      await ws.assign(t.id, { agent: 'bob' })
      await ws.setPriority(t.id, 'high')
      await ws.addTag(t.id, 'x')
      await ws.removeTag(t.id, 'x')
      await ws.link(t.id, 'order:1')
      await ws.updateTicket(t.id, { subject: 'new' })
      await ws.resolve(t.id)
      await ws.rate(t.id, 4)
      const cat = await ws.createCategory({ name: 'C' })
      await ws.setCategory(t.id, cat.id)
      const all = await ws.events()
      const types = all.map((e) => e.type)
      assert.deepEqual(types, [
        'ticket.created', 'message.added', 'status.changed', 'ticket.assigned', 'priority.changed',
        'ticket.tagged', 'ticket.untagged', 'ticket.linked', 'ticket.updated', 'status.changed',
        'ticket.rated', 'category.changed',
      ])
      assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1))
      const [created, added, status, assigned, prio, tagged, , linked, updated, , rated, catChanged] = all
      assert.equal(created.data.number, t.number)
      assert.equal(created.data.channel, 'web')
      assert.equal(created.ticketId, t.id)
      assert.equal(created.workspaceId, ws.id)
      assert.deepEqual(created.actor, { type: 'customer', id: 'alice' })
      assert.ok(created.at instanceof Date)
      assert.equal(added.data.messageKind, 'reply')
      assert.deepEqual([status.data.from, status.data.to], ['new', 'open'])
      assert.deepEqual([assigned.data.action, assigned.data.from, assigned.data.to, assigned.data.team], ['assigned', null, 'bob', null])
      assert.deepEqual([prio.data.from, prio.data.to], ['medium', 'high'])
      assert.equal(tagged.data.tag, 'x')
      assert.deepEqual(linked.data.link, { kind: 'order', id: '1' })
      assert.deepEqual(updated.data.fields, ['subject'])
      assert.deepEqual([rated.data.rating, rated.data.comment], [4, null])
      assert.deepEqual([catChanged.data.from, catChanged.data.to], [null, cat.id])

      const page = await ws.events({ after: 3, limit: 2 })
      assert.deepEqual(page.map((e) => e.seq), [4, 5])
      assert.deepEqual(await ws.events({ after: 12 }), [])
      await rejectsWith(ws.events({ limit: 0 }), 'invalid_input', 'limit')
      await rejectsWith(ws.events({ after: -1 }), 'invalid_input', 'after')
      assert.equal(await ws.consumerPosition('mailer'), 0)
      assert.equal(await ws.ackEvents('mailer', 5), undefined)
      assert.equal(await ws.consumerPosition('mailer'), 5)
      await rejectsWith(ws.ackEvents('Bad Consumer', 1), 'invalid_input', 'consumer')
    })

    it('resolves 1000 concurrent openTicket calls to 1000 distinct numbers', async () => {
      const ws = await setup(desk)
      let ticks = 0
      const timer = setInterval(() => { ticks += 1 }, 1)
      const started = Date.now()
      const all = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => ws.openTicket({ customer: i % 2 ? 'alice' : 'dave', subject: `s${i}`, description: 'd' })),
      )
      clearInterval(timer)
      assert.equal(new Set(all.map((t) => t.number)).size, 1000)
      assert.equal(new Set(all.map((t) => t.id)).size, 1000)
      assert.deepEqual(all.map((t) => t.seq).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i + 1))
      assert.equal((await ws.ticketStats()).total, 1000)
      // The event loop kept running while the work happened off-thread.
      if (Date.now() - started > 50) assert.ok(ticks > 0, 'timers ran during the calls')
    })

    it('keeps Dates exact (milliseconds) through storage, with a manual clock', async () => {
      const start = new Date('2026-03-02T08:00:00.123Z')
      const clock = new ManualClock(start)
      const d2 = await backend.open({ clock })
      try {
        assert.equal(d2.now().getTime(), start.getTime())
        const ws = await setup(d2)
        const info = await ws.info()
        assert.equal(info.createdAt.getTime(), start.getTime())
        const t = await ws.openTicket({ customer: 'alice', subject: 's', description: 'd' })
        assert.equal(t.createdAt.getTime(), start.getTime())
        assert.equal(clock.advance(90 * MIN + 7).getTime(), start.getTime() + 90 * MIN + 7)
        await ws.reply(t.id, 'bob', 'hi')
        const got = await ws.getTicket(t.id)
        assert.equal(got.createdAt.getTime(), start.getTime())
        assert.equal(got.firstResponseAt.getTime(), start.getTime() + 90 * MIN + 7)
        assert.equal(got.updatedAt.getTime(), got.firstResponseAt.getTime())
        clock.set(new Date('2030-01-01T00:00:00Z'))
        assert.equal(clock.now().toISOString(), '2030-01-01T00:00:00.000Z')
        assert.equal(d2.now().toISOString(), '2030-01-01T00:00:00.000Z')
      } finally {
        await d2.close()
      }
    })

    it('runs SLA policies on business calendars: clocks, pauses, explain and sweep', async () => {
      // Monday 2026-03-02 09:00 in Berlin.
      const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'))
      const d2 = await backend.open({ clock })
      try {
        const ws = await setup(d2)
        const policies = await ws.setSlaPolicies([
          {
            name: 'Gold hours',
            conditions: { customerTiers: ['gold'], channels: ['web', 'email'] },
            calendar: BERLIN,
            targets: [{ priority: 'high', firstResponse: 2 * H, nextResponse: H, resolution: 8 * H }],
            warning: { percent: 50 },
          },
          { name: 'Off', targets: [], active: false, pauseOn: ['on_hold'], warning: { before: 10 * MIN } },
        ])
        assert.equal(policies.length, 2)
        assert.match(policies[0].id, /^[0-9a-f-]{36}$/)
        const listed = await ws.listSlaPolicies()
        assert.deepEqual(listed, policies)
        assert.deepEqual(listed[0].pauseOn, ['pending', 'on_hold'])
        assert.deepEqual(listed[0].calendar.weekly.mon, [['09:00', '12:00'], ['13:00', '17:00']])
        assert.deepEqual(listed[0].calendar.holidays, ['2026-04-03'])
        assert.deepEqual(listed[0].warning, { percent: 50 })
        assert.deepEqual(listed[1].warning, { before: 10 * MIN })
        assert.equal(listed[1].active, false)
        // Re-saving what was listed keeps it.
        assert.deepEqual(await ws.setSlaPolicies(listed), listed)

        const t = await ws.openTicket({ customer: 'alice', subject: 'Gold', description: 'd', priority: 'high' })
        assert.equal(t.sla.policy, policies[0].id)
        const fr = t.sla.clocks.find((c) => c.metric === 'first_response')
        const res = t.sla.clocks.find((c) => c.metric === 'resolution')
        assert.equal(fr.dueAt.toISOString(), '2026-03-02T10:00:00.000Z') // 11:00 Berlin
        assert.equal(fr.warnAt.toISOString(), '2026-03-02T09:00:00.000Z')
        assert.equal(res.dueAt.toISOString(), '2026-03-03T09:00:00.000Z') // Tue 10:00 Berlin
        assert.equal(t.sla.dueAt.toISOString(), '2026-03-02T10:00:00.000Z')

        const ex = await ws.explainSla(t.id, 'first_response')
        assert.equal(ex.policyName, 'Gold hours')
        assert.equal(ex.timezone, 'Europe/Berlin')
        assert.equal(ex.target, 2 * H)
        assert.equal(ex.remaining, 2 * H)
        assert.equal(ex.status, 'running')
        assert.deepEqual(ex.segments.map((s) => [s.start.toISOString(), s.end.toISOString()]), [['2026-03-02T08:00:00.000Z', '2026-03-02T10:00:00.000Z']])
        assert.ok(ex.lines.length > 1)
        await rejectsWith(ws.explainSla(t.id, 'next_response'), 'not_found')
        await rejectsWith(ws.explainSla(t.id, 'speed'), 'invalid_input', 'metric')

        // An invalid `now` rejects (a Promise, not a synchronous throw) and records nothing.
        const invalid = ws.slaSweep({ now: new Date(Number.NaN) })
        assert.ok(invalid instanceof Promise)
        await rejectsWith(invalid, 'invalid_input', 'now')
        await rejectsWith(ws.slaSweep({ now: new Date('x') }), 'invalid_input', 'now')

        let report = await ws.slaSweep({ now: new Date('2026-03-02T09:00:01Z') })
        assert.deepEqual(report.alerts.map((a) => [a.kind, a.metric, a.number]), [['warning', 'first_response', t.number]])
        assert.equal(report.alerts[0].dueAt.toISOString(), '2026-03-02T10:00:00.000Z')
        assert.equal(report.examined, 1)
        report = await ws.slaSweep({ now: new Date('2026-03-02T09:00:01Z') })
        assert.deepEqual(report.alerts, [])
        clock.set(new Date('2026-03-02T10:00:01Z'))
        report = await ws.slaSweep()
        assert.deepEqual(report.alerts.map((a) => [a.kind, a.metric]), [['breached', 'first_response']])
        const slaEvents = (await ws.events()).filter((e) => e.type.startsWith('sla.'))
        assert.deepEqual(slaEvents.map((e) => e.type), ['sla.warning', 'sla.breached'])
        assert.equal(slaEvents[1].data.breachedAt.toISOString(), '2026-03-02T10:00:00.000Z')
        assert.equal(slaEvents[1].data.metric, 'first_response')

        // A pause moves the resolution due instant by the paused business time.
        clock.set(new Date('2026-03-02T11:00:00Z')) // 12:00 Berlin, lunch
        await ws.setStatus(t.id, 'pending')
        let cur = await ws.getTicket(t.id)
        const paused = cur.sla.clocks.find((c) => c.metric === 'resolution')
        assert.equal(paused.status, 'paused')
        assert.equal(paused.dueAt, null)
        assert.equal(paused.pauses.length, 1)
        assert.equal(paused.pauses[0].to, null)
        clock.set(new Date('2026-03-02T13:00:00Z')) // 14:00 Berlin: one business hour paused
        cur = await ws.setStatus(t.id, 'open')
        const resumed = cur.sla.clocks.find((c) => c.metric === 'resolution')
        assert.equal(resumed.status, 'running')
        assert.equal(resumed.dueAt.toISOString(), '2026-03-03T10:00:00.000Z')
        assert.equal(resumed.pauses[0].to.toISOString(), '2026-03-02T13:00:00.000Z')

        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [], calendar: { ...BERLIN, timezone: 'Nope/Nowhere' } }]), 'invalid_input', 'policies[0].calendar.timezone')
        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [{ priority: 'high', firstResponse: 0 }] }]), 'invalid_input', 'policies[0].targets[0].firstResponse')
        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [], warning: { percent: 50, before: 1 } }]), 'invalid_input', 'policies[0].warning')
        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [], warning: { percent: 100 } }]), 'invalid_input', 'policies[0].warning')
        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [], pauseOn: ['closed'] }]), 'invalid_input', 'policies[0].pauseOn')
        await rejectsWith(ws.setSlaPolicies([{ name: 'Bad', targets: [], calendar: { ...BERLIN, boundary: 'sideways' } }]), 'invalid_input', 'policies[0].calendar.boundary')
        await rejectsWith(desk.workspace(MISSING).slaSweep(), 'not_found')
      } finally {
        await d2.close()
      }
    })

    it('voids a clock answered without a target, and keeps a next-response miss on record', async () => {
      const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'))
      const d2 = await backend.open({ clock })
      try {
        const ws = await setup(d2)
        await ws.setSlaPolicies([
          { name: 'Medium answers', targets: [{ priority: 'medium', firstResponse: H, nextResponse: H }, { priority: 'low' }] },
        ])
        const quiet = await ws.openTicket({ customer: 'alice', subject: 'Quiet', description: 'd', priority: 'medium' })
        await ws.setPriority(quiet.id, 'low')
        await rejectsWith(ws.explainSla(quiet.id, 'first_response'), 'not_found')
        clock.advance(3 * H)
        await ws.reply(quiet.id, 'bob', 'Here')
        const fr = (await ws.getTicket(quiet.id)).sla.clocks.find((c) => c.metric === 'first_response')
        assert.equal(fr.status, 'void')

        const t = await ws.openTicket({ customer: 'alice', subject: 'Loud', description: 'd', priority: 'medium' })
        await ws.reply(t.id, 'bob', 'Hi')
        await ws.customerMessage(t.id, 'alice', 'Still broken')
        clock.advance(2 * H)
        await ws.slaSweep()
        await ws.reply(t.id, 'bob', 'Sorry')
        await ws.customerMessage(t.id, 'alice', 'Again')
        const nr = (await ws.getTicket(t.id)).sla.clocks.filter((c) => c.metric === 'next_response')
        assert.deepEqual(nr.map((c) => c.status), ['running', 'breached'])
        assert.deepEqual((await ws.listTickets({ breached: true })).items.map((x) => x.id), [t.id])
      } finally {
        await d2.close()
      }
    })

    it('isolates workspaces', async () => {
      const a = await setup(desk)
      const b = await setup(desk)
      const t = await a.openTicket({ customer: 'alice', subject: 's', description: 'd' })
      await rejectsWith(b.getTicket(t.id), 'not_found')
      await rejectsWith(b.reply(t.id, 'bob', 'x'), 'not_found')
      assert.equal((await b.listTickets()).items.length, 0)
    })
  })
}
