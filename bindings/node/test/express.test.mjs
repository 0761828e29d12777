// `ticketry/express` over real HTTP on 127.0.0.1 with fetch, on the memory
// backend and on PostgreSQL: every endpoint under the access rules that apply
// to it, the `can` hook, multi-tenant workspaces, and the error JSON.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import express from 'express'
import { Helpdesk } from '../index.js'
import { ACTIONS, HTTP_STATUS, HttpError, ensureWorkspace, supportRouter } from '../express.js'
import { backends, rejectsWith, slug } from './helpers.mjs'

const require = createRequire(import.meta.url)

const ALICE = { 'X-User': 'alice', 'X-Name': 'Alice', 'X-Email': 'alice@example.com' }
const BOB = { 'X-User': 'bob' }
const MALLORY = { 'X-User': 'mallory' }
const SAM = { 'X-User': 'sam', 'X-Name': 'Sam', 'X-Staff': 'yes' }
const TESS = { 'X-User': 'tess', 'X-Staff': 'yes' }
const MISSING = '00000000-0000-7000-8000-000000000000'

/** The test's stand-in for authentication: the caller named by headers (none: anonymous). */
function identify(req) {
  const id = req.get('X-User')
  if (!id) return null
  return { id, name: req.get('X-Name'), email: req.get('X-Email'), staff: req.get('X-Staff') === 'yes' }
}

/** Starts `app` on a free port of 127.0.0.1; returns its base URL and a stop function. */
async function listen(app) {
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  }
}

/**
 * A request: `body` is sent as JSON (a string as it is). Returns the status,
 * the parsed JSON (or null) and the headers.
 */
async function request(url, method, headers = {}, body = undefined) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const raw = await res.text()
  return { status: res.status, json: raw ? JSON.parse(raw) : null, headers: res.headers }
}

/** Asserts an error response: status, code, a message and (if given) the field. */
function expectError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.json))
  assert.deepEqual(Object.keys(r.json), ['error'])
  assert.deepEqual(Object.keys(r.json.error), ['code', 'message', 'field'])
  assert.equal(r.json.error.code, code)
  assert.equal(typeof r.json.error.message, 'string')
  if (field !== undefined) assert.equal(r.json.error.field, field)
}

describe('ticketry/express module', () => {
  it('resolves as a subpath of the package for require() and import', async () => {
    const required = require('ticketry/express')
    const imported = await import('ticketry/express')
    assert.equal(required.supportRouter, supportRouter)
    assert.equal(imported.supportRouter, supportRouter)
    assert.equal(imported.HttpError, HttpError)
    assert.equal(require('ticketry').Helpdesk, Helpdesk)
    assert.equal((await import('ticketry')).Helpdesk, Helpdesk)
    assert.equal(require.resolve('ticketry/express'), require.resolve('../express.js'))
  })

  it('names the actions and the statuses', () => {
    assert.deepEqual(ACTIONS, [
      'list_categories', 'view_category', 'open_ticket', 'list_tickets', 'view_ticket', 'update_ticket',
      'list_messages', 'rate_ticket', 'view_stats', 'add_message', 'add_note', 'view_message',
      'list_faqs', 'view_faq', 'vote_faq_helpful', 'vote_faq_not_helpful', 'suggest_faqs', 'view_faq_deflection',
    ])
    assert.ok(Object.isFrozen(ACTIONS))
    assert.deepEqual(HTTP_STATUS, {
      not_found: 404, invalid_input: 400, invalid_transition: 409, conflict: 409,
      already_exists: 409, storage: 503, outcome_unknown: 503, internal: 500,
    })
  })

  it('refuses to build a router without identify or with malformed options', () => {
    const desk = Helpdesk.inMemory()
    assert.throws(() => supportRouter({ desk }), { name: 'TypeError', message: /identify/ })
    assert.throws(() => supportRouter({ desk, identify: 'header' }), { name: 'TypeError', message: /identify/ })
    assert.throws(() => supportRouter({ identify }), { name: 'TypeError', message: /desk/ })
    assert.throws(() => supportRouter(), { name: 'TypeError', message: /desk/ })
    assert.throws(() => supportRouter({ desk, identify, workspace: 42 }), { name: 'TypeError', message: /workspace/ })
    assert.throws(() => supportRouter({ desk, identify, can: true }), { name: 'TypeError', message: /can/ })
    assert.equal(typeof supportRouter({ desk, identify }), 'function')
  })
})

for (const backend of backends) {
  describe(`ticketry/express (${backend.name})`, () => {
    let desk, server, ws
    const SLUG = slug('support')
    const hookCalls = []
    const failures = []
    let categories, alices, bobs

    const call = (method, path, headers, body) => request(`${server.base}${path}`, method, headers, body)

    before(async () => {
      desk = await backend.open()
      const app = express()
      const common = { desk, workspace: SLUG, workspaceName: 'Help', identify }
      // Every hook allows: it records what it was told.
      app.use('/api', supportRouter({
        ...common,
        can: (action, ctx) => {
          hookCalls.push({ action, ...ctx })
          return true
        },
      }))
      app.use('/deny-rate', supportRouter({ ...common, can: (action) => action !== 'rate_ticket' }))
      app.use('/async', supportRouter({
        ...common,
        identify: async (req) => identify(req) ?? undefined,
        can: async (action, { user }) => {
          await new Promise((resolve) => setTimeout(resolve, 5))
          return !(action === 'list_tickets' && user.id === 'mallory')
        },
      }))
      app.use('/small', supportRouter({ ...common, bodyLimit: 200 }))
      app.use('/broken', supportRouter({
        ...common,
        identify: (req) => {
          if (req.get('X-Teapot')) throw new HttpError(418, 'teapot', 'I am a teapot', 'X-Teapot')
          if (req.get('X-Status')) throw Object.assign(new Error('unknown tenant'), { status: Number(req.get('X-Status')), expose: true })
          throw new Error('secret database password in this message')
        },
        onError: (err) => failures.push(err),
      }))
      server = await listen(app)

      // The workspace does not exist until the first request.
      await rejectsWith(desk.workspaceBySlug(SLUG), 'not_found')
      expectError(await call('GET', '/api/categories/'), 401, 'not_authenticated')
      await rejectsWith(desk.workspaceBySlug(SLUG), 'not_found')
      assert.equal((await call('GET', '/api/categories/', ALICE)).status, 200)
      ws = await desk.workspaceBySlug(SLUG)
      await ws.createCategory({ name: 'Ride Issue', icon: 'car', position: 0 })
      await ws.createCategory({ name: 'Payment Issue', icon: 'card', position: 1, defaultPriority: 'high' })
      await ws.createCategory({ name: 'Retired', position: 2, active: false })
      categories = (await call('GET', '/api/categories/', ALICE)).json
      alices = (await call('POST', '/api/tickets/', ALICE, { subject: 'Charged twice', description: 'For ride 77', ride: 77, category: categories[1].id })).json
      bobs = (await call('POST', '/api/tickets/', BOB, { subject: 'Driver late', description: '20 minutes' })).json
      assert.ok(alices.id && bobs.id)
    })
    after(async () => {
      await server?.stop()
      await desk?.close()
    })

    it('creates its workspace on first use, named workspaceName, once under concurrent creators', async () => {
      assert.equal((await ws.info()).name, 'Help')
      const fresh = slug('race')
      const app = express()
      for (let i = 0; i < 3; i++) app.use(`/r${i}`, supportRouter({ desk, workspace: fresh, identify }))
      const racing = await listen(app)
      try {
        const all = await Promise.all([0, 1, 2, 0, 1, 2].map((i) => request(`${racing.base}/r${i}/tickets/`, 'GET', ALICE)))
        assert.deepEqual(all.map((r) => r.status), [200, 200, 200, 200, 200, 200])
        assert.equal((await desk.getWorkspaceBySlug(fresh)).name, fresh, 'named after the slug by default')
      } finally {
        await racing.stop()
      }
      // Creators racing on one slug: one creates it, the others find it.
      const raced = slug('race')
      const handles = await Promise.all([1, 2, 3, 4].map(() => ensureWorkspace(desk, raced, 'Raced')))
      assert.equal(new Set(handles.map((w) => w.id)).size, 1)
      assert.equal((await desk.getWorkspaceBySlug(raced)).name, 'Raced')
    })

    it('answers 401 not_authenticated to an anonymous caller on every endpoint', async () => {
      const anonymous = [
        ['GET', '/categories/'], ['GET', `/categories/${categories[0].id}/`],
        ['GET', '/tickets/'], ['POST', '/tickets/', { subject: 's', description: 'd' }],
        ['GET', '/tickets/stats/'], ['GET', `/tickets/${alices.id}/`], ['PUT', `/tickets/${alices.id}/`, { priority: 'low' }],
        ['GET', `/tickets/${alices.id}/messages/`], ['POST', `/tickets/${alices.id}/rate/`, { rating: 5 }],
        ['POST', '/messages/', { ticket: alices.id, message: 'hi' }], ['GET', `/messages/${MISSING}/`],
      ]
      for (const [method, path, body] of anonymous) {
        expectError(await call(method, `/api${path}`, {}, body), 401, 'not_authenticated')
        // identify() resolving to undefined counts as anonymous too.
        expectError(await call(method, `/async${path}`, {}, body), 401, 'not_authenticated')
      }
    })

    it('mirrors callers as customers, staff also as agents, again when they change', async () => {
      const alice = await ws.getCustomer('alice')
      assert.deepEqual([alice.name, alice.email], ['Alice', 'alice@example.com'])
      assert.equal((await ws.getCustomer('bob')).name, 'bob', 'the id when identify gives no name')
      await rejectsWith(ws.getAgent('alice'), 'not_found')

      await call('GET', '/api/tickets/', { ...ALICE, 'X-Name': 'Alice Liddell' })
      assert.equal((await ws.getCustomer('alice')).name, 'Alice Liddell')

      const staffer = { 'X-User': 'stella', 'X-Name': 'Stella', 'X-Staff': 'yes' }
      assert.equal((await call('GET', '/api/tickets/', staffer)).status, 200)
      assert.equal((await ws.getAgent('stella')).active, true)
      assert.equal((await ws.getCustomer('stella')).name, 'Stella')
      // No longer staff: a customer only, no longer assignable as an agent.
      assert.equal((await call('GET', '/api/tickets/', { 'X-User': 'stella', 'X-Name': 'Stella' })).status, 200)
      assert.equal((await ws.getAgent('stella')).active, false)
    })

    it('GET /categories/ lists the active categories; GET /categories/:id/ one', async () => {
      assert.deepEqual(categories.map((c) => c.name), ['Ride Issue', 'Payment Issue'])
      assert.deepEqual(Object.keys(categories[0]).sort(), ['description', 'icon', 'id', 'name', 'parent', 'sort_order'])
      assert.deepEqual(categories.map((c) => c.sort_order), [0, 1])
      const one = await call('GET', `/api/categories/${categories[1].id}/`, BOB)
      assert.equal(one.status, 200)
      assert.deepEqual(one.json, categories[1])
      expectError(await call('GET', `/api/categories/${MISSING}/`, BOB), 404, 'not_found')
      expectError(await call('GET', '/api/categories/nope/', BOB), 404, 'not_found')
      const head = await fetch(`${server.base}/api/categories/`, { method: 'HEAD', headers: BOB })
      assert.equal(head.status, 200)
    })

    it('POST /tickets/ opens a ticket for the caller; staff open one on behalf of a user', async () => {
      assert.equal(alices.user, 'alice')
      assert.match(alices.ticket_id, /^TKT-\d{4}-\d{5}$/)
      assert.equal(alices.status, 'open')
      assert.equal(alices.priority, 'high', "the category's default priority")
      assert.equal(alices.ride, '77')
      assert.equal(alices.category, categories[1].id)
      assert.ok(!('sla' in alices) && !('version' in alices), 'customers get no staff fields')
      assert.ok(Date.parse(alices.created_at) > 0)

      const forCarl = await call('POST', '/api/tickets/', SAM, { user: 'carl', subject: 'Phone call', description: 'Called in' })
      assert.equal(forCarl.status, 201)
      assert.equal(forCarl.json.user, 'carl')
      assert.equal(forCarl.json.state, 'new')
      assert.ok(Array.isArray(forCarl.json.sla))
      // The on-behalf customer is created when unknown, and left alone when known.
      assert.equal((await ws.getCustomer('carl')).name, 'carl')
      await call('POST', '/api/tickets/', SAM, { user: 'alice', subject: 'Call', description: 'Called in' })
      assert.equal((await ws.getCustomer('alice')).email, 'alice@example.com')
      expectError(await call('POST', '/api/tickets/', SAM, { subject: 's', description: 'd' }), 400, 'invalid_input', 'user')

      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 'no description' }), 400, 'invalid_input', 'description')
      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 'x'.repeat(300), description: 'd' }), 400, 'invalid_input', 'subject')
      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 's', description: 'd', priority: 'meh' }), 400, 'invalid_input', 'priority')
    })

    it('GET /tickets/ lists the caller\'s own tickets; staff list and filter everyone\'s', async () => {
      const mine = await call('GET', '/api/tickets/', ALICE)
      assert.equal(mine.status, 200)
      assert.ok(mine.json.results.length >= 1)
      assert.ok(mine.json.results.every((t) => t.user === 'alice'))
      assert.ok(mine.json.results.some((t) => t.id === alices.id))
      assert.deepEqual((await call('GET', '/api/tickets/', BOB)).json.results.map((t) => t.id), [bobs.id])
      const all = (await call('GET', '/api/tickets/?limit=500', SAM)).json.results.map((t) => t.id)
      assert.ok(all.includes(alices.id) && all.includes(bobs.id))
      assert.deepEqual((await call('GET', '/api/tickets/?user=bob', SAM)).json.results.map((t) => t.id), [bobs.id])
      // A customer's `user` filter is ignored: still their own.
      assert.deepEqual((await call('GET', '/api/tickets/?user=alice', BOB)).json.results.map((t) => t.id), [bobs.id])
      assert.ok((await call('GET', '/api/tickets/?status=open&assigned_to=none', SAM)).json.results.some((t) => t.id === bobs.id))
      const paged = await call('GET', '/api/tickets/?limit=1', SAM)
      assert.equal(paged.json.results.length, 1)
      assert.equal(typeof paged.json.next_cursor, 'string')
      expectError(await call('GET', '/api/tickets/?limit=x', ALICE), 400, 'invalid_input', 'limit')
      expectError(await call('GET', '/api/tickets/?cursor=garbage', ALICE), 400, 'invalid_input', 'cursor')
      expectError(await call('GET', '/api/tickets/?status=open,bogus', SAM), 400, 'invalid_input', 'status')
      // ?q= searches (a customer's own tickets; staff everyone's).
      assert.deepEqual((await call('GET', '/api/tickets/?q=charged', SAM)).json.results.map((t) => t.id), [alices.id])
      assert.deepEqual((await call('GET', '/api/tickets/?q=charged', BOB)).json.results, [])
      assert.deepEqual((await call('GET', '/api/tickets/?q=driver%20-late', SAM)).json.results, [])
      expectError(await call('GET', `/api/tickets/?q=${'x'.repeat(600)}`, ALICE), 400, 'invalid_input', 'q')
      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 's', description: 'x'.repeat(100_001) }), 400, 'invalid_input', 'description')
      expectError(await call('POST', '/api/messages/', ALICE, { ticket: alices.id, message: 'x'.repeat(100_001) }), 400, 'invalid_input', 'message')
      expectError(await call('PUT', `/api/tickets/${alices.id}/`, SAM, { version: 'x' }), 400, 'invalid_input', 'version')
    })

    it('FAQ: GET /faq/, GET /faq/:id/ (counts a view), POST helpful / not-helpful', async () => {
      const cat = await ws.createKbCategory({ slug: 'faq', name: 'FAQ', faq: true })
      const q = await ws.createArticle({ slug: 'refund', title: 'How long does a refund take?', body: '**5 days**.', category: cat.id, status: 'published' })
      await ws.createArticle({ slug: 'hidden', title: 'Draft?', body: 'x', category: cat.id })
      const list = (await call('GET', '/api/faq/', ALICE)).json
      assert.deepEqual(list.map((x) => x.question), ['How long does a refund take?'])
      const one = (await call('GET', `/api/faq/${q.id}/`, ALICE)).json
      assert.equal(one.answer_html, '<p><strong>5 days</strong>.</p>\n')
      assert.equal(one.views, 1)
      assert.equal((await call('POST', `/api/faq/${q.id}/helpful/`, ALICE, {})).json.helpful_count, 1)
      const changed = (await call('POST', `/api/faq/${q.id}/not-helpful/`, ALICE, {})).json
      assert.deepEqual([changed.helpful_count, changed.not_helpful_count], [0, 1])
      expectError(await call('GET', '/api/faq/00000000-0000-7000-8000-000000000000/', ALICE), 404, 'not_found')
      // Suggestions before a ticket is sent; opening one anyway counts against deflection.
      const shown = (await call('GET', '/api/faq/suggest/?q=refund%20please', ALICE)).json
      assert.deepEqual(shown.results.map((x) => x.question), ['How long does a refund take?'])
      assert.equal((await call('POST', '/api/tickets/', ALICE, { subject: 'Refund', description: 'Still waiting', suggestion_id: shown.suggestion_id })).status, 201)
      await call('GET', '/api/faq/suggest/?q=refund', ALICE)
      const report = (await call('GET', '/api/faq/deflection/', SAM)).json
      assert.deepEqual([report.shown, report.tickets_opened, report.deflection_rate], [2, 1, 0.5])
      assert.deepEqual(report.articles.map((a) => [a.question, a.shown, a.tickets_opened]), [['How long does a refund take?', 2, 1]])
      expectError(await call('GET', '/api/faq/deflection/', ALICE), 403, 'forbidden')
      expectError(await call('GET', '/api/faq/deflection/?since=yesterday', SAM), 400, 'invalid_input', 'since')
      expectError(await call('GET', '/api/faq/suggest/', ALICE), 400, 'invalid_input', 'q')
    })

    it('GET /tickets/:id/: own (by id or number) and staff; another customer\'s is 404', async () => {
      assert.equal((await call('GET', `/api/tickets/${alices.id}/`, ALICE)).json.ticket_id, alices.ticket_id)
      assert.equal((await call('GET', `/api/tickets/${alices.ticket_id}/`, ALICE)).json.id, alices.id)
      const staff = await call('GET', `/api/tickets/${alices.id}/`, SAM)
      assert.equal(staff.status, 200)
      assert.equal(staff.json.version, 1)
      expectError(await call('GET', `/api/tickets/${alices.id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', `/api/tickets/${alices.ticket_id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', `/api/tickets/${MISSING}/`, SAM), 404, 'not_found')
    })

    it('messages: POST /messages/ and GET /tickets/:id/messages/ under the rules; notes for staff only', async () => {
      const t = (await call('POST', '/api/tickets/', ALICE, { subject: 'Lost phone', description: 'In the car' })).json
      const reply = await call('POST', '/api/messages/', SAM, { ticket: t.id, message: 'We are on it', status: 'waiting_user' })
      assert.equal(reply.status, 201)
      assert.deepEqual([reply.json.sender, reply.json.is_staff, reply.json.is_internal, reply.json.ticket], ['sam', true, false, t.id])
      const note = await call('POST', '/api/messages/', SAM, { ticket: t.ticket_id, message: 'VIP', is_internal: true })
      assert.equal(note.status, 201)
      assert.equal(note.json.is_internal, true)
      assert.equal((await call('GET', `/api/tickets/${t.id}/`, ALICE)).json.status, 'waiting_user')
      const own = await call('POST', '/api/messages/', ALICE, { ticket: t.id, message: 'Thanks' })
      assert.equal(own.status, 201)
      assert.deepEqual([own.json.sender, own.json.is_staff], ['alice', false])

      const forAlice = await call('GET', `/api/tickets/${t.id}/messages/`, ALICE)
      assert.equal(forAlice.status, 200)
      assert.deepEqual(forAlice.json.map((m) => m.message), ['In the car', 'We are on it', 'Thanks'])
      const forStaff = await call('GET', `/api/tickets/${t.id}/messages/`, SAM)
      assert.deepEqual(forStaff.json.map((m) => m.is_internal), [false, false, true, false])

      expectError(await call('GET', `/api/tickets/${t.id}/messages/`, BOB), 404, 'not_found')
      expectError(await call('POST', '/api/messages/', BOB, { ticket: t.id, message: 'hi' }), 404, 'not_found')
      expectError(await call('POST', '/api/messages/', ALICE, { ticket: t.id, message: 'psst', is_internal: true }), 403, 'forbidden')
      expectError(await call('POST', '/api/messages/', ALICE, { message: 'where?' }), 400, 'invalid_input', 'ticket')
      expectError(await call('POST', '/api/messages/', ALICE, { ticket: t.id }), 400, 'invalid_input', 'message')
      // A note flag that is not a boolean is refused, never published as a reply.
      for (const flag of ['true', 1, 'yes', {}]) {
        expectError(await call('POST', '/api/messages/', SAM, { ticket: t.id, message: 'secret', is_internal: flag }), 400, 'invalid_input', 'is_internal')
      }
      assert.equal((await call('GET', `/api/tickets/${t.id}/messages/`, SAM)).json.length, 4, 'refused messages changed nothing')

      // GET /messages/:id/: one message, under the same rules.
      const opening = forStaff.json[0]
      assert.deepEqual((await call('GET', `/api/messages/${opening.id}/`, ALICE)).json, opening)
      assert.equal((await call('GET', `/api/messages/${note.json.id}/`, SAM)).json.message, 'VIP')
      expectError(await call('GET', `/api/messages/${note.json.id}/`, ALICE), 404, 'not_found')
      expectError(await call('GET', `/api/messages/${opening.id}/`, BOB), 404, 'not_found')
      expectError(await call('GET', `/api/messages/${MISSING}/`, SAM), 404, 'not_found')
      expectError(await call('GET', '/api/messages/not-a-uuid/', SAM), 400, 'invalid_input', 'message')
    })

    it('PUT /tickets/:id/ is staff only: 403 for customers, their own ticket too', async () => {
      const t = (await call('POST', '/api/tickets/', ALICE, { subject: 'Update me', description: 'd' })).json
      await call('GET', '/api/tickets/', TESS) // tess becomes an agent
      expectError(await call('PUT', `/api/tickets/${t.id}/`, ALICE, { status: 'resolved' }), 403, 'forbidden')
      expectError(await call('PUT', `/api/tickets/${t.id}/`, BOB, { status: 'resolved' }), 403, 'forbidden')
      const upd = await call('PUT', `/api/tickets/${t.id}/`, SAM, { priority: 'urgent', assigned_to: 'tess', subject: 'Updated', status: 'in_progress' })
      assert.equal(upd.status, 200)
      assert.deepEqual([upd.json.priority, upd.json.assigned_to, upd.json.subject, upd.json.status], ['urgent', 'tess', 'Updated', 'in_progress'])
      assert.equal((await call('GET', `/api/tickets/${t.id}/`, ALICE)).json.subject, 'Updated')
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { assigned_to: 'nobody' }), 404, 'not_found')
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { status: 'sideways' }), 400, 'invalid_input', 'status')
      // All or nothing: a refused part leaves every other field as it was.
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { priority: 'low', subject: 'Half', status: 'new' }), 409, 'invalid_transition')
      const same = (await call('GET', `/api/tickets/${t.id}/`, SAM)).json
      assert.deepEqual([same.priority, same.subject], ['urgent', 'Updated'])
      const unassigned = (await call('PUT', `/api/tickets/${t.id}/`, SAM, { assigned_to: null, priority: 'high' })).json
      assert.deepEqual([unassigned.assigned_to, unassigned.priority, unassigned.version], [null, 'high', same.version + 1])
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { subject: 'x', version: 1 }), 409, 'conflict')
      expectError(await call('PUT', `/api/tickets/${MISSING}/`, SAM, { subject: 'x' }), 404, 'not_found')
    })

    it('POST /tickets/:id/rate/: the ticket\'s customer only, once it is resolved', async () => {
      const t = (await call('POST', '/api/tickets/', ALICE, { subject: 'Rate me', description: 'd' })).json
      expectError(await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 5 }), 409, 'invalid_transition')
      assert.equal((await call('PUT', `/api/tickets/${t.id}/`, SAM, { status: 'resolved' })).json.status, 'resolved')
      expectError(await call('POST', `/api/tickets/${t.id}/rate/`, SAM, { rating: 5 }), 403, 'forbidden')
      expectError(await call('POST', `/api/tickets/${t.id}/rate/`, BOB, { rating: 1 }), 404, 'not_found')
      expectError(await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 9 }), 400, 'invalid_input', 'rating')
      expectError(await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 'five' }), 400, 'invalid_input', 'rating')
      const rated = await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 4, feedback: 'Good' })
      assert.equal(rated.status, 200)
      assert.deepEqual([rated.json.rating, rated.json.feedback], [4, 'Good'])
    })

    it('GET /tickets/stats/ is staff only', async () => {
      expectError(await call('GET', '/api/tickets/stats/', ALICE), 403, 'forbidden')
      const stats = await call('GET', '/api/tickets/stats/', SAM)
      assert.equal(stats.status, 200)
      const listed = (await call('GET', '/api/tickets/?limit=500', SAM)).json.results.length
      assert.equal(stats.json.total, listed)
      assert.deepEqual(Object.keys(stats.json.by_status).sort(), ['closed', 'in_progress', 'open', 'resolved', 'waiting_user'])
      assert.equal(Object.values(stats.json.by_status).reduce((a, b) => a + b, 0), stats.json.total)
      assert.equal(stats.json.by_state.new + stats.json.by_state.open, stats.json.by_status.open)
      const active = ['new', 'open', 'in_progress', 'pending', 'on_hold'].reduce((a, k) => a + stats.json.by_state[k], 0)
      assert.equal(stats.json.active, active)
      assert.ok(stats.json.created_today <= stats.json.total && stats.json.created_today > 0)
      // The last 30 days come from the metrics, not a recount.
      assert.equal(stats.json.last_30_days.created, stats.json.total)
      const metrics = await ws.metrics(new Date(Date.now() - 30 * 86_400_000), new Date())
      assert.deepEqual([stats.json.last_30_days.resolved, stats.json.last_30_days.reopened], [metrics.totals.resolved, metrics.totals.reopened])
      assert.deepEqual(Object.keys(stats.json.last_30_days.sla_compliance).sort(), metrics.totals.sla.map((x) => x.metric).sort())
    })

    it('tells the can hook the action, the caller, the workspace and the ticket', async () => {
      hookCalls.length = 0
      await call('GET', `/api/tickets/${alices.id}/`, ALICE)
      await call('GET', '/api/tickets/stats/', SAM)
      assert.deepEqual(hookCalls.map((h) => h.action), ['view_ticket', 'view_stats'])
      const [view, stats] = hookCalls
      assert.deepEqual(view.user, { id: 'alice', name: 'Alice', email: 'alice@example.com', staff: false })
      assert.equal(view.workspace.id, ws.id)
      assert.equal(view.ticket.id, alices.id)
      assert.equal(view.ticket.customer, 'alice')
      assert.equal(view.req.get('X-User'), 'alice')
      assert.equal(view.req.method, 'GET')
      assert.ok(!('ticket' in stats))
      assert.equal(stats.user.staff, true)

      // Not asked when a built-in rule refused; an allowing hook cannot show another customer's ticket.
      hookCalls.length = 0
      expectError(await call('GET', '/api/tickets/stats/', ALICE), 403, 'forbidden')
      expectError(await call('GET', `/api/tickets/${alices.id}/`, BOB), 404, 'not_found')
      assert.deepEqual(hookCalls, [])

      // Notes and messages are told apart.
      await call('POST', '/api/messages/', SAM, { ticket: alices.id, message: 'note', is_internal: true })
      await call('POST', '/api/messages/', ALICE, { ticket: alices.id, message: 'hello' })
      assert.deepEqual(hookCalls.map((h) => [h.action, h.ticket.id]), [['add_note', alices.id], ['add_message', alices.id]])
    })

    it('a hook denying rate_ticket makes it 403 while every other action still works', async () => {
      const t = (await call('POST', '/deny-rate/tickets/', ALICE, { subject: 'Rate', description: 'd' })).json
      assert.equal((await call('PUT', `/deny-rate/tickets/${t.id}/`, SAM, { status: 'resolved' })).status, 200)
      const denied = await call('POST', `/deny-rate/tickets/${t.id}/rate/`, ALICE, { rating: 5 })
      expectError(denied, 403, 'forbidden')
      assert.match(denied.json.error.message, /rate_ticket/)
      assert.equal((await call('GET', `/deny-rate/tickets/${t.id}/`, ALICE)).json.rating, null, 'nothing was rated')
      assert.equal((await call('GET', `/deny-rate/tickets/${t.id}/`, ALICE)).status, 200)
      assert.equal((await call('GET', `/deny-rate/tickets/${t.id}/messages/`, ALICE)).status, 200)
      assert.equal((await call('GET', '/deny-rate/categories/', ALICE)).status, 200)
      // Built-in refusals come first: still 404 for another customer's ticket.
      expectError(await call('POST', `/deny-rate/tickets/${t.id}/rate/`, BOB, { rating: 5 }), 404, 'not_found')
      // The same request through a router whose hook allows it.
      assert.equal((await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 5 })).json.rating, 5)
    })

    it('an async hook is awaited', async () => {
      expectError(await call('GET', '/async/tickets/', MALLORY), 403, 'forbidden')
      const bob = await call('GET', '/async/tickets/', BOB)
      assert.equal(bob.status, 200)
      assert.deepEqual(bob.json.results.map((t) => t.id), [bobs.id])
      assert.equal((await call('POST', '/async/tickets/', MALLORY, { subject: 's', description: 'd' })).status, 201)
    })

    it('a workspace function serves tenants that do not see each other\'s tickets', async () => {
      const acmeSlug = slug('acme')
      const acme = await ensureWorkspace(desk, acmeSlug, 'Acme')
      assert.equal((await acme.info()).name, 'Acme')
      assert.equal((await ensureWorkspace(desk, acmeSlug, 'Other')).id, acme.id, 'an existing workspace is found, not renamed')
      const globex = await desk.createWorkspace({ name: 'Globex', slug: slug('globex') })
      const app = express()
      // A slug for one tenant, a Promise of a handle for the other.
      app.use('/t/:tenant', (req, res, next) => {
        req.tenant = req.params.tenant
        next()
      })
      app.use('/t/:tenant', supportRouter({
        desk,
        identify,
        workspace: (req) => (req.tenant === 'globex' ? Promise.resolve(globex) : req.tenant === 'acme' ? acmeSlug : req.tenant),
      }))
      const multi = await listen(app)
      const at = (tenant, method, path, headers, body) => request(`${multi.base}/t/${tenant}${path}`, method, headers, body)
      try {
        const a = await at('acme', 'POST', '/tickets/', ALICE, { subject: 'At Acme', description: 'd' })
        const g = await at('globex', 'POST', '/tickets/', ALICE, { subject: 'At Globex', description: 'd' })
        assert.deepEqual([a.status, g.status], [201, 201])
        assert.deepEqual((await at('acme', 'GET', '/tickets/', ALICE)).json.results.map((t) => t.subject), ['At Acme'])
        assert.deepEqual((await at('globex', 'GET', '/tickets/', SAM)).json.results.map((t) => t.subject), ['At Globex'])
        expectError(await at('globex', 'GET', `/tickets/${a.json.id}/`, SAM), 404, 'not_found')
        expectError(await at('acme', 'GET', `/tickets/${g.json.id}/`, ALICE), 404, 'not_found')
        assert.equal((await acme.getTicket(a.json.id)).subject, 'At Acme')
        await rejectsWith(globex.getTicket(a.json.id), 'not_found')
        assert.equal((await globex.getCustomer('alice')).id, 'alice', 'callers are mirrored per tenant')
        // A slug the function names must exist: a request does not create a tenant.
        expectError(await at('initech', 'GET', '/tickets/', ALICE), 404, 'not_found')
        await rejectsWith(desk.workspaceBySlug('initech'), 'not_found')
      } finally {
        await multi.stop()
      }
    })

    it('refuses a field of the wrong type instead of storing its text', async () => {
      const t = (await call('POST', '/api/tickets/', ALICE, { subject: 'Typed', description: 'fields' })).json
      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 's', description: 'd', ride: { id: 1 } }), 400, 'invalid_input', 'ride')
      expectError(await call('POST', '/api/tickets/', ALICE, { subject: 's', description: 'd', priority: ['high'] }), 400, 'invalid_input', 'priority')
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { status: ['open'] }), 400, 'invalid_input', 'status')
      expectError(await call('PUT', `/api/tickets/${t.id}/`, SAM, { assigned_to: { id: 'sam' } }), 400, 'invalid_input', 'assigned_to')
      expectError(await call('POST', '/api/messages/', SAM, { ticket: t.id, message: 'm', status: 7 }), 400, 'invalid_input', 'status')
      await call('PUT', `/api/tickets/${t.id}/`, SAM, { status: 'resolved' })
      for (const feedback of [{ a: 1 }, 42, ['x'], true]) {
        expectError(await call('POST', `/api/tickets/${t.id}/rate/`, ALICE, { rating: 5, feedback }), 400, 'invalid_input', 'feedback')
      }
      assert.equal((await call('GET', `/api/tickets/${t.id}/`, ALICE)).json.rating, null, 'refused ratings changed nothing')
    })

    it('answers 400 for a path or a body Express cannot decode, 415 for a charset it does not take', async () => {
      for (const path of ['/api/tickets/%FF/', '/api/messages/%FF/', '/api/categories/%C0%AE/']) {
        expectError(await call('GET', path, ALICE), 400, 'invalid_input')
        expectError(await call('GET', path), 400, 'invalid_input')
      }
      const gzip = await fetch(`${server.base}/api/tickets/`, {
        method: 'POST',
        headers: { ...ALICE, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: 'not gzip at all',
      })
      expectError({ status: gzip.status, json: await gzip.json() }, 400, 'invalid_input', 'body')
      const latin1 = await fetch(`${server.base}/api/tickets/`, {
        method: 'POST',
        headers: { ...ALICE, 'Content-Type': 'application/json; charset=latin1' },
        body: '{}',
      })
      expectError({ status: latin1.status, json: await latin1.json() }, 415, 'unsupported_media_type', 'body')
      assert.deepEqual(failures, [], 'client errors are not reported as failures')
    })

    it('answers 400 for a body that is not Unicode, as the Django app does', async () => {
      const count = async () => (await call('GET', '/api/tickets/?limit=500', ALICE)).json.results.length
      const before = await count()
      const notUtf8 = await fetch(`${server.base}/api/tickets/`, {
        method: 'POST',
        headers: { ...ALICE, 'Content-Type': 'application/json' },
        body: Buffer.concat([Buffer.from('{"subject": "s\xff", "description": "'), Buffer.from([0xff, 0xfe]), Buffer.from('x"}')]),
      })
      expectError({ status: notUtf8.status, json: await notUtf8.json() }, 400, 'invalid_input', 'body')
      const send = async (charset, bytes) => {
        const r = await fetch(`${server.base}/api/tickets/`, {
          method: 'POST',
          headers: { ...ALICE, 'Content-Type': `application/json; charset=${charset}` },
          body: bytes,
        })
        return { status: r.status, json: await r.json() }
      }
      const utf16 = Buffer.from('{"subject": "s", "description": "x"}', 'utf16le')
      expectError(await send('utf-16le', Buffer.concat([utf16, Buffer.from([0x41])])), 400, 'invalid_input', 'body')
      expectError(await send('utf-32', Buffer.alloc(8)), 415, 'unsupported_media_type', 'body')
      assert.equal((await send('utf-16le', utf16)).status, 201, 'valid UTF-16 is taken')
      // Big-endian with its byte-order mark, holding 'Ü' (0xDC as a low byte).
      const be = Buffer.from('\ufeff{"subject": "Über", "description": "x"}', 'utf16le').swap16()
      assert.equal((await send('utf-16', be)).status, 201, 'UTF-16 read in its byte order')
      for (const lone of ['\\ud800', '\\udfff', 'a\\udc00b']) {
        const r = await call('POST', '/api/tickets/', ALICE, `{"subject": "s", "description": "${lone}"}`)
        expectError(r, 400, 'invalid_input', 'body')
      }
      const pair = await call('POST', '/api/tickets/', ALICE, '{"subject": "s", "description": "\\ud83d\\ude00 and \\u00e9"}')
      assert.equal(pair.status, 201)
      assert.equal(pair.json.description, '\u{1F600} and \u00e9')
      assert.equal(await count(), before + 3, 'refused bodies created nothing')
    })

    it('answers 405 with Allow, 404 for unknown paths, 400/413/415 for bad bodies', async () => {
      const cases = [
        ['DELETE', '/tickets/', 'GET, HEAD, POST'],
        ['PATCH', `/tickets/${alices.id}/`, 'GET, HEAD, PUT'],
        ['GET', '/messages/', 'POST'],
        ['PUT', '/tickets/stats/', 'GET, HEAD'],
        ['POST', `/categories/${categories[0].id}/`, 'GET, HEAD'],
      ]
      for (const [method, path, allow] of cases) {
        const r = await call(method, `/api${path}`, ALICE)
        expectError(r, 405, 'method_not_allowed')
        assert.equal(r.headers.get('allow'), allow)
      }
      expectError(await call('GET', '/api/nowhere/', ALICE), 404, 'not_found')
      expectError(await call('GET', '/api/faqs/', ALICE), 404, 'not_found')
      expectError(await call('POST', '/api/tickets/', ALICE, '{not json'), 400, 'invalid_input', 'body')
      expectError(await call('POST', '/api/tickets/', ALICE, '[1, 2]'), 400, 'invalid_input', 'body')
      expectError(await call('POST', '/small/tickets/', ALICE, { subject: 's', description: 'x'.repeat(500) }), 413, 'invalid_input', 'body')
      assert.equal((await call('POST', '/small/tickets/', ALICE, { subject: 's', description: 'short' })).status, 201)
      const form = await fetch(`${server.base}/api/tickets/`, { method: 'POST', headers: { ...ALICE, 'Content-Type': 'text/plain' }, body: 'subject=s' })
      expectError({ status: form.status, json: await form.json() }, 415, 'unsupported_media_type', 'body')
      // An anonymous caller is 401 first, whatever its body: a form, malformed JSON, too large.
      for (const [type, body, path] of [['text/plain', 'subject=s', '/api/tickets/'], ['application/json', '{not json', '/api/tickets/'], ['application/json', JSON.stringify({ description: 'x'.repeat(500) }), '/small/tickets/']]) {
        const anonymous = await fetch(`${server.base}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body })
        expectError({ status: anonymous.status, json: await anonymous.json() }, 401, 'not_authenticated')
      }
    })

    it('answers 500 internal without details for unexpected errors, and reports them to onError', async () => {
      failures.length = 0
      const r = await call('GET', '/broken/tickets/', ALICE)
      expectError(r, 500, 'internal', null)
      assert.equal(r.json.error.message, 'internal error')
      assert.equal(failures.length, 1)
      assert.match(failures[0].message, /secret/)
      // An HttpError thrown by a hook is answered as it says.
      const teapot = await call('GET', '/broken/tickets/', { ...ALICE, 'X-Teapot': '1' })
      expectError(teapot, 418, 'teapot', 'X-Teapot')
      assert.equal(teapot.json.error.message, 'I am a teapot')
      // A hook's error with a 4xx status (http-errors, express-jwt) keeps its meaning.
      for (const [status, code] of [[401, 'not_authenticated'], [404, 'not_found'], [403, 'forbidden'], [422, 'invalid_input']]) {
        expectError(await call('GET', '/broken/tickets/', { ...ALICE, 'X-Status': String(status) }), status, code)
      }
      assert.equal(failures.length, 1)
    })
  })
}
