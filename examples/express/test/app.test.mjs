// The example over real HTTP on 127.0.0.1 with fetch: every endpoint and the
// access rules, on the memory backend and on PostgreSQL (DATABASE_URL).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { backends as backendsFor } from './backends.mjs'
import { createApp, SEED_CATEGORIES } from '../app.mjs'

const backends = backendsFor('node_x')

const ALICE = { 'X-User-Id': 'alice', 'X-User-Name': 'Alice' }
const BOB = { 'X-User-Id': 'bob' }
const STAFF = { 'X-User-Id': 'sam', 'X-User-Role': 'staff', 'X-User-Name': 'Sam' }
const STAFF2 = { 'X-User-Id': 'tess', 'X-User-Role': 'staff' }

for (const backend of backends) {
  describe(`express example (${backend.name})`, () => {
    let desk, server, base

    async function call(method, path, headers = {}, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      const json = await res.json()
      return { status: res.status, json }
    }
    const expectError = (r, status, code, field) => {
      assert.equal(r.status, status, JSON.stringify(r.json))
      assert.equal(r.json.error.code, code)
      assert.equal(typeof r.json.error.message, 'string')
      if (field !== undefined) assert.equal(r.json.error.field, field)
    }

    before(async () => {
      desk = await backend.open()
      const { app } = await createApp({ desk })
      await new Promise((resolve) => {
        server = app.listen(0, '127.0.0.1', resolve)
      })
      base = `http://127.0.0.1:${server.address().port}/api/support`
    })
    after(async () => {
      await new Promise((resolve) => server.close(resolve))
      await desk.close()
    })

    it('requires an identity', async () => {
      expectError(await call('GET', '/tickets/'), 401, 'not_authenticated')
      expectError(await call('GET', '/tickets/', { 'X-User-Id': 'x', 'X-User-Role': 'admin' }), 400, 'invalid_input', 'X-User-Role')
      expectError(await call('GET', '/nowhere/', ALICE), 404, 'not_found')
    })

    it('GET /categories/ lists the seed categories; GET /categories/:id/ one', async () => {
      const r = await call('GET', '/categories/', ALICE)
      assert.equal(r.status, 200)
      assert.deepEqual(r.json.map((c) => c.name), SEED_CATEGORIES.map((c) => c.name))
      assert.deepEqual(Object.keys(r.json[0]).sort(), ['description', 'icon', 'id', 'name', 'parent', 'sort_order'])
      const one = await call('GET', `/categories/${r.json[2].id}/`, ALICE)
      assert.equal(one.json.name, 'Payment Issue')
      expectError(await call('GET', '/categories/00000000-0000-7000-8000-000000000000/', ALICE), 404, 'not_found')
      expectError(await call('GET', '/categories/nope/', ALICE), 404, 'not_found')
    })

    it('runs the seed flow: create, list, detail, messages, staff update, rate, stats', async () => {
      const cats = (await call('GET', '/categories/', ALICE)).json
      const payment = cats.find((c) => c.name === 'Payment Issue')

      // 1. The user creates a ticket.
      const created = await call('POST', '/tickets/', ALICE, {
        category: payment.id, subject: 'Charged twice', description: 'My card was charged twice for ride 77', ride: 77,
      })
      assert.equal(created.status, 201)
      const t = created.json
      assert.match(t.ticket_id, /^TKT-\d{4}-\d{5}$/)
      assert.equal(t.user, 'alice')
      assert.equal(t.status, 'open')
      assert.equal(t.priority, 'high', "the category's default priority")
      assert.equal(t.ride, '77')
      assert.equal(t.category, payment.id)
      assert.equal(t.rating, null)
      assert.ok(!('sla' in t), 'customers do not get staff fields')
      assert.ok(Date.parse(t.created_at) > 0)

      // Listing and detail, by uuid and by number.
      const mine = await call('GET', '/tickets/', ALICE)
      assert.equal(mine.status, 200)
      assert.ok(mine.json.results.some((x) => x.id === t.id))
      assert.equal((await call('GET', `/tickets/${t.id}/`, ALICE)).json.ticket_id, t.ticket_id)
      assert.equal((await call('GET', `/tickets/${t.ticket_id}/`, ALICE)).json.id, t.id)

      // 4. Staff replies; staff adds an internal note; 5. the user replies.
      const reply = await call('POST', '/messages/', STAFF, { ticket: t.id, message: 'We are on it', status: 'waiting_user' })
      assert.equal(reply.status, 201)
      assert.equal(reply.json.is_staff, true)
      assert.equal(reply.json.is_internal, false)
      assert.equal(reply.json.sender, 'sam')
      const note = await call('POST', '/messages/', STAFF, { ticket: t.ticket_id, message: 'Refund approved by finance', is_internal: true })
      assert.equal(note.status, 201)
      assert.equal(note.json.is_internal, true)
      assert.equal((await call('GET', `/tickets/${t.id}/`, ALICE)).json.status, 'waiting_user')
      const userMsg = await call('POST', '/messages/', ALICE, { ticket: t.id, message: 'Thanks!' })
      assert.equal(userMsg.status, 201)
      assert.equal(userMsg.json.is_staff, false)

      // Customers never see internal notes; staff do.
      const forUser = await call('GET', `/tickets/${t.id}/messages/`, ALICE)
      assert.equal(forUser.status, 200)
      const [opening, ack, ...rest] = forUser.json.map((m) => m.message)
      assert.deepEqual([opening, ...rest], ['My card was charged twice for ride 77', 'We are on it', 'Thanks!'])
      // The auto-reply (seedAutomation): the number, the priority and the promise.
      assert.match(ack, /^We received your request TKT-\d{4}-\d{5} \(high\)\. We will answer by \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/)
      assert.ok(forUser.json.every((m) => !m.is_internal))
      const forStaff = await call('GET', `/tickets/${t.id}/messages/`, STAFF)
      assert.deepEqual(forStaff.json.map((m) => m.is_internal), [false, false, false, true, false])

      // 6. Staff updates (status, priority, assignee, subject); customers may not.
      await call('GET', '/tickets/', STAFF2) // tess becomes known as staff
      expectError(await call('PUT', `/tickets/${t.id}/`, ALICE, { status: 'resolved' }), 403, 'forbidden')
      let upd = await call('PUT', `/tickets/${t.id}/`, STAFF, { priority: 'urgent', assigned_to: 'tess', subject: 'Charged twice (ride 77)' })
      assert.equal(upd.status, 200)
      assert.equal(upd.json.priority, 'urgent')
      assert.equal(upd.json.assigned_to, 'tess')
      assert.equal(upd.json.subject, 'Charged twice (ride 77)')
      assert.ok(Array.isArray(upd.json.sla))
      expectError(await call('PUT', `/tickets/${t.id}/`, STAFF, { assigned_to: 'nobody' }), 404, 'not_found')
      expectError(await call('PUT', `/tickets/${t.id}/`, STAFF, { status: 'sideways' }), 400, 'invalid_input', 'status')
      expectError(await call('PUT', `/tickets/${t.id}/`, STAFF, { subject: 'x', version: 1 }), 409, 'conflict')

      // 7. Rating needs a resolved ticket, by its customer.
      expectError(await call('POST', `/tickets/${t.id}/rate/`, ALICE, { rating: 5 }), 409, 'invalid_transition')
      upd = await call('PUT', `/tickets/${t.id}/`, STAFF, { status: 'resolved' })
      assert.equal(upd.json.status, 'resolved')
      assert.ok(upd.json.resolved_at)
      expectError(await call('POST', `/tickets/${t.id}/rate/`, STAFF, { rating: 5 }), 403, 'forbidden')
      expectError(await call('POST', `/tickets/${t.id}/rate/`, ALICE, { rating: 9 }), 400, 'invalid_input', 'rating')
      expectError(await call('POST', `/tickets/${t.id}/rate/`, ALICE, { rating: 'five' }), 400, 'invalid_input', 'rating')
      expectError(await call('POST', `/tickets/${t.id}/rate/`, ALICE, {}), 400, 'invalid_input', 'rating')
      const rated = await call('POST', `/tickets/${t.id}/rate/`, ALICE, { rating: 5, feedback: 'Great!' })
      assert.equal(rated.status, 200)
      assert.equal(rated.json.rating, 5)
      assert.equal(rated.json.feedback, 'Great!')

      // 8. Closed tickets take no more messages; reopening by status is refused.
      upd = await call('PUT', `/tickets/${t.id}/`, STAFF, { status: 'closed' })
      assert.equal(upd.json.status, 'closed')
      expectError(await call('POST', '/messages/', ALICE, { ticket: t.id, message: 'one more thing' }), 409, 'invalid_transition')
      expectError(await call('PUT', `/tickets/${t.id}/`, STAFF, { status: 'in_progress' }), 409, 'invalid_transition')

      // Statistics: staff only.
      expectError(await call('GET', '/tickets/stats/', ALICE), 403, 'forbidden')
      const stats = await call('GET', '/tickets/stats/', STAFF)
      assert.equal(stats.status, 200)
      assert.ok(stats.json.total >= 1)
      assert.deepEqual(Object.keys(stats.json.by_status).sort(), ['closed', 'in_progress', 'open', 'resolved', 'waiting_user'])
      assert.ok(stats.json.by_status.closed >= 1)
      assert.equal(stats.json.by_state.closed, stats.json.by_status.closed - stats.json.by_state.cancelled)
    })

    it('keeps customers to their own tickets and away from internal notes', async () => {
      const t = (await call('POST', '/tickets/', ALICE, { subject: 'Lost item', description: 'Left my phone' })).json
      const b = (await call('POST', '/tickets/', BOB, { subject: 'Driver late', description: '20 minutes' })).json
      // Bob cannot see, list, message or rate Alice's ticket: it does not exist for him.
      expectError(await call('GET', `/tickets/${t.id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', `/tickets/${t.ticket_id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', `/tickets/${t.id}/messages/`, BOB), 404, 'not_found')
      expectError(await call('POST', '/messages/', BOB, { ticket: t.id, message: 'hi' }), 404, 'not_found')
      expectError(await call('POST', `/tickets/${t.id}/rate/`, BOB, { rating: 1 }), 404, 'not_found')
      const bobs = (await call('GET', '/tickets/', BOB)).json.results
      assert.deepEqual(bobs.map((x) => x.id), [b.id])
      assert.ok(bobs.every((x) => x.user === 'bob'))
      // Staff see everyone's, and can filter by user, status and assignee.
      const all = (await call('GET', '/tickets/?limit=500', STAFF)).json.results
      assert.ok(all.some((x) => x.id === t.id) && all.some((x) => x.id === b.id))
      assert.deepEqual((await call('GET', '/tickets/?user=bob', STAFF)).json.results.map((x) => x.id), [b.id])
      // New tickets go to the least-loaded staff member known (seedAutomation), if any.
      const bAssignee = (await call('GET', `/tickets/${b.id}/`, STAFF)).json.assigned_to ?? 'none'
      assert.ok((await call('GET', `/tickets/?status=open&assigned_to=${bAssignee}`, STAFF)).json.results.some((x) => x.id === b.id))
      // A customer can neither write an internal note nor see one.
      expectError(await call('POST', '/messages/', ALICE, { ticket: t.id, message: 'psst', is_internal: true }), 403, 'forbidden')
      await call('POST', '/messages/', STAFF, { ticket: t.id, message: 'VIP customer', is_internal: true })
      const msgs = (await call('GET', `/tickets/${t.id}/messages/`, ALICE)).json
      assert.ok(msgs.every((m) => m.message !== 'VIP customer'))
      // GET /messages/:id/ (seed 004): one message, under the same rules.
      const staffView = (await call('GET', `/tickets/${t.id}/messages/`, STAFF)).json
      const note = staffView.find((m) => m.message === 'VIP customer')
      const opening = staffView[0]
      assert.deepEqual((await call('GET', `/messages/${opening.id}/`, ALICE)).json, opening)
      assert.equal((await call('GET', `/messages/${note.id}/`, STAFF)).json.is_internal, true)
      expectError(await call('GET', `/messages/${note.id}/`, ALICE), 404, 'not_found')
      expectError(await call('GET', `/messages/${opening.id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', '/messages/not-a-uuid/', STAFF), 400, 'invalid_input', 'message')
      // Staff open tickets on behalf of a user.
      const onBehalf = await call('POST', '/tickets/', STAFF, { user: 'carl', subject: 'Phone call', description: 'Called in' })
      assert.equal(onBehalf.status, 201)
      assert.equal(onBehalf.json.user, 'carl')
      expectError(await call('POST', '/tickets/', STAFF, { subject: 's', description: 'd' }), 400, 'invalid_input', 'user')
    })

    it('pages ticket lists with a cursor', async () => {
      const who = { 'X-User-Id': `pager-${backend.name}` }
      for (let i = 0; i < 5; i++) await call('POST', '/tickets/', who, { subject: `s${i}`, description: 'd' })
      const seen = []
      let cursor = ''
      let pages = 0
      do {
        const r = await call('GET', `/tickets/?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, who)
        assert.equal(r.status, 200)
        seen.push(...r.json.results.map((x) => x.subject))
        cursor = r.json.next_cursor
        pages += 1
      } while (cursor)
      assert.equal(pages, 3)
      assert.deepEqual(seen, ['s4', 's3', 's2', 's1', 's0'])
      expectError(await call('GET', '/tickets/?limit=0', who), 400, 'invalid_input', 'limit')
      expectError(await call('GET', '/tickets/?limit=x', who), 400, 'invalid_input', 'limit')
      expectError(await call('GET', '/tickets/?cursor=garbage', who), 400, 'invalid_input', 'cursor')
    })

    it('maps validation and lookup errors to 400/404/409 JSON', async () => {
      expectError(await call('POST', '/tickets/', ALICE, { subject: 'no description' }), 400, 'invalid_input', 'description')
      expectError(await call('POST', '/tickets/', ALICE, { subject: 'x'.repeat(300), description: 'd' }), 400, 'invalid_input', 'subject')
      expectError(await call('POST', '/tickets/', ALICE, { subject: 's', description: 'd', priority: 'meh' }), 400, 'invalid_input', 'priority')
      expectError(await call('POST', '/tickets/', ALICE, { subject: 's', description: 'd', category: 'not-a-uuid' }), 400, 'invalid_input', 'category')
      expectError(await call('POST', '/tickets/', ALICE, '{not json'), 400, 'invalid_input', 'body')
      expectError(await call('GET', '/tickets/00000000-0000-7000-8000-000000000000/', STAFF), 404, 'not_found')
      expectError(await call('GET', '/tickets/TKT-1999-99999/', STAFF), 404, 'not_found')
      expectError(await call('POST', '/messages/', ALICE, { message: 'where?' }), 400, 'invalid_input', 'ticket')
      const t = (await call('POST', '/tickets/', ALICE, { subject: 's', description: 'd' })).json
      expectError(await call('POST', '/messages/', ALICE, { ticket: t.id }), 400, 'invalid_input', 'message')
      await call('POST', '/messages/', STAFF, { ticket: t.id, message: 'x' })
      expectError(await call('POST', '/messages/', STAFF, { ticket: t.id, message: 'y', status: 'new' }), 409, 'invalid_transition')
    })
  })
}
