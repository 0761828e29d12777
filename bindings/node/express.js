// `ticketry/express`: the support API of seed 004 (categories, tickets, messages,
// rating, staff statistics) as an Express router over one `Helpdesk`.
//
//   const { supportRouter } = require('ticketry/express')
//   app.use('/api/support', supportRouter({ desk, workspace: 'support', identify, can }))
//
// Every request goes the same way: the caller (`identify(req)`: 401 when
// anonymous), the workspace, the caller mirrored into it (a customer; staff also
// an agent), the built-in access rules (403 for staff-only actions, 404 for
// another customer's ticket), the host's `can(action, ctx)` hook (`false`: 403),
// then the action. The router parses its own JSON bodies and answers every
// error as `{"error": {"code", "message", "field"}}`, so the host's app needs no
// other middleware. Express 5 is a peer dependency, loaded by this file only.
'use strict'

const express = require('express')

/** Ticketry's stable error codes → HTTP statuses. */
const HTTP_STATUS = Object.freeze({
  not_found: 404,
  invalid_input: 400,
  invalid_transition: 409,
  conflict: 409,
  already_exists: 409,
  storage: 503,
  outcome_unknown: 503,
  internal: 500,
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Methods whose requests carry a JSON body. */
const WITH_BODY = new Set(['POST', 'PUT'])

/** The seed's five statuses, from Ticketry's eight. */
const SEED_STATUS = {
  new: 'open',
  open: 'open',
  in_progress: 'in_progress',
  pending: 'waiting_user',
  on_hold: 'in_progress',
  resolved: 'resolved',
  closed: 'closed',
  cancelled: 'closed',
}

/** An error answered as JSON with this status: `{"error": {code, message, field}}`. */
class HttpError extends Error {
  constructor(status, code, message, field = null) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.field = field
  }
}

const notFound = (what) => new HttpError(404, 'not_found', `not found: ${what}`)

// ----- JSON shapes -----------------------------------------------------------------

const iso = (d) => (d ? d.toISOString() : null)

/** A ticket in the seed's shape; staff also get Ticketry's state, version and SLA clocks. */
function ticketJson(t, staff) {
  const ride = t.links.find((l) => l.kind === 'ride')
  const out = {
    id: t.id,
    ticket_id: t.number,
    user: t.customer,
    category: t.category,
    subject: t.subject,
    description: t.description,
    status: SEED_STATUS[t.status],
    priority: t.priority,
    ride: ride ? ride.id : null,
    assigned_to: t.assignee,
    rating: t.satisfaction?.rating ?? null,
    feedback: t.satisfaction?.comment ?? null,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    first_response_at: iso(t.firstResponseAt),
    resolved_at: iso(t.resolvedAt),
    closed_at: iso(t.closedAt),
  }
  if (staff) {
    out.state = t.status
    out.version = t.version
    // The current clock of each metric: the first (a breached next-response
    // clock kept on record comes after the current ones).
    out.sla = t.sla.clocks
      .filter((c, i, all) => all.findIndex((x) => x.metric === c.metric) === i)
      .map((c) => ({ metric: c.metric, status: c.status, due_at: iso(c.dueAt) }))
  }
  return out
}

function messageJson(m) {
  return {
    id: m.id,
    ticket: m.ticketId,
    sender: m.author.type === 'system' ? null : m.author.id,
    is_staff: m.author.type === 'agent',
    is_internal: m.kind === 'note',
    message: m.body,
    created_at: iso(m.createdAt),
  }
}

function categoryJson(c) {
  return { id: c.id, name: c.name, description: c.description, icon: c.icon, parent: c.parent, sort_order: c.position }
}

// ----- request input ---------------------------------------------------------------

/** The request's JSON object (`{}` when it has none). */
function body(req) {
  const b = req.body ?? {}
  if (typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, 'invalid_input', 'the body must be a JSON object', 'body')
  return b
}

function required(b, key) {
  const v = b[key]
  if (v === undefined || v === null || v === '') throw new HttpError(400, 'invalid_input', `${key} is required`, key)
  return v
}

function text(b, key) {
  const v = required(b, key)
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_input', `${key} must be a string`, key)
  return v
}

/**
 * An optional field of one of `types` (`'string'`, `'integer'`, `'boolean'`):
 * `undefined` when absent or `null`; any other type is 400 naming it (an
 * object is never taken as its text, `[object Object]`).
 */
function optional(b, key, ...types) {
  const v = b[key]
  if (v === undefined || v === null) return undefined
  if (types.includes(typeof v) || (types.includes('integer') && Number.isSafeInteger(v))) return v
  const what = types.map((t) => (t === 'integer' ? 'an integer' : `a ${t}`)).join(' or ')
  throw new HttpError(400, 'invalid_input', `${key} must be ${what}`, key)
}

/** An optional text field; an id may also be an integer (`assigned_to`, `ride`). */
const optionalText = (b, key) => optional(b, key, 'string')
const optionalId = (b, key) => {
  const v = optional(b, key, 'string', 'integer')
  return v === undefined ? undefined : String(v)
}

/** A status filter in either vocabulary (comma-separated) → Ticketry statuses. */
function statusFilter(list) {
  return String(list)
    .split(',')
    .filter(Boolean)
    .flatMap((s) => {
      const core = Object.keys(SEED_STATUS).filter((k) => SEED_STATUS[k] === s)
      return core.length ? core : [s]
    })
}

function limitParam(q) {
  const limit = q.limit === undefined ? 50 : Number(q.limit)
  if (!Number.isInteger(limit)) throw new HttpError(400, 'invalid_input', 'limit must be an integer', 'limit')
  return limit
}

// ----- callers and workspaces ------------------------------------------------------

/**
 * The caller `identify(req)` described, checked: `{ id, name, email, staff, actor }`.
 * A number id (a database key) becomes its string.
 */
function caller(user) {
  if (typeof user !== 'object') throw new TypeError(`identify(req) must return { id, name?, email?, staff? }, null or undefined, not ${typeof user}`)
  const id = typeof user.id === 'number' ? String(user.id) : user.id
  if (typeof id !== 'string' || id === '') throw new TypeError('identify(req) returned a user without an id')
  const staff = user.staff === true
  return {
    id,
    name: typeof user.name === 'string' && user.name !== '' ? user.name : id,
    email: typeof user.email === 'string' && user.email !== '' ? user.email : null,
    staff,
    actor: { type: staff ? 'agent' : 'customer', id },
  }
}

/** The view of a thread or message the caller gets. */
const view = (me) => (me.staff ? 'agent' : 'customer')

/**
 * Mirrors callers into their workspace: a customer, and an agent when staff;
 * a former staff member's agent is deactivated (no longer assignable). Skipped
 * when nothing changed since this process last wrote them.
 */
function userMirror() {
  const written = new Map() // workspace id → (user id → what was written)
  return async function mirror(ws, me) {
    let users = written.get(ws.id)
    if (!users) written.set(ws.id, (users = new Map()))
    const signature = JSON.stringify([me.name, me.email, me.staff])
    if (users.get(me.id) === signature) return
    const person = { id: me.id, name: me.name, email: me.email }
    await ws.putCustomer(person)
    if (me.staff) await ws.putAgent(person)
    else if (await exists(ws.getAgent(me.id))) await ws.putAgent({ ...person, active: false })
    users.set(me.id, signature)
  }
}

/** Whether a lookup found something (`not_found`: false; other errors are thrown). */
async function exists(lookup) {
  try {
    await lookup
    return true
  } catch (e) {
    if (e.code === 'not_found') return false
    throw e
  }
}

/**
 * The workspace with this slug, created (named `name`) when missing; a
 * concurrent creator (`already_exists`) is tolerated.
 */
async function ensureWorkspace(desk, slug, name = slug) {
  try {
    return await desk.workspaceBySlug(slug)
  } catch (e) {
    if (e.code !== 'not_found') throw e
  }
  try {
    return await desk.createWorkspace({ name, slug })
  } catch (e) {
    if (e.code !== 'already_exists') throw e
    return desk.workspaceBySlug(slug)
  }
}

/** `cache.get(key)`, or `make()` remembered until it rejects (then tried again next time). */
function remembered(cache, key, make) {
  let p = cache.get(key)
  if (!p) {
    p = make()
    cache.set(key, p)
    p.catch(() => cache.delete(key))
  }
  return p
}

const isWorkspace = (w) => w !== null && typeof w === 'object' && typeof w.id === 'string' && typeof w.call === 'function'

/**
 * `(req) → Promise<Workspace>` for the `workspace` option: a slug (created on
 * first use), or the host's function returning a slug or a handle. Slugs the
 * function returns must exist (`not_found`, 404): multi-tenant hosts create
 * their tenants, a request cannot.
 */
function workspaceResolver(desk, workspace, workspaceName) {
  const handles = new Map() // slug → Promise<Workspace>
  if (typeof workspace === 'string') {
    return () => remembered(handles, workspace, () => ensureWorkspace(desk, workspace, workspaceName))
  }
  return async (req) => {
    const w = await workspace(req)
    if (typeof w === 'string') return remembered(handles, w, () => desk.workspaceBySlug(w))
    if (isWorkspace(w)) return w
    throw new TypeError('workspace(req) must return a workspace slug or a Workspace handle')
  }
}

// ----- the actions -----------------------------------------------------------------
// Each takes the call `c`: { req, ws, me, ticket? } and returns the JSON to send.

/** The ticket by id or number; another customer's ticket does not exist for this caller. */
async function findTicket(c, ref) {
  const t = UUID.test(ref) ? await c.ws.getTicket(ref) : await c.ws.getTicketByNumber(ref)
  if (!c.me.staff && t.customer !== c.me.id) throw notFound(`ticket ${ref}`)
  return t
}

const ticketInPath = (c) => findTicket(c, c.req.params.id)
const ticketInBody = (c) => findTicket(c, String(required(body(c.req), 'ticket')))

/** The message in the path (kept as `c.message`) and its ticket, under the same rule. */
async function messageInPath(c) {
  const m = await c.ws.getMessage(c.req.params.id, { view: view(c.me) })
  const t = await c.ws.getTicket(m.ticketId)
  if (!c.me.staff && t.customer !== c.me.id) throw notFound(`message ${m.id}`)
  c.message = m
  return t
}

// ----- FAQ (seed 004): articles of the knowledge base's FAQ categories -------------

/** The reader's language (`?lang=`, default the workspace's locale). */
async function language(c) {
  return typeof c.req.query.lang === 'string' && c.req.query.lang ? c.req.query.lang : (await c.ws.info()).settings.locale
}

function faqJson(a, stats) {
  return {
    id: a.id,
    question: a.title,
    answer: a.body,
    answer_html: a.html,
    category: a.category,
    language: a.language,
    ...(stats ? { views: stats.views, helpful_count: stats.helpful, not_helpful_count: stats.notHelpful } : {}),
  }
}

async function listFaqs(c) {
  const items = await c.ws.listArticles({ filter: { faq: true, visible: true, language: await language(c) } })
  return items.map((a) => faqJson(a))
}

/** A visible FAQ entry by id (404 otherwise). */
async function faqInPath(c) {
  const id = c.req.params.id
  if (!UUID.test(id)) throw notFound(`faq ${id}`)
  const visible = await c.ws.listArticles({ filter: { faq: true, visible: true } })
  const a = visible.find((x) => x.id === id)
  if (!a) throw notFound(`faq ${id}`)
  return a
}

async function viewFaq(c) {
  const a = await faqInPath(c)
  await c.ws.readArticle(a.slug, a.language) // counts the view
  return faqJson(a, await c.ws.articleStats(a.id))
}

function voteFaq(helpful) {
  return async (c) => {
    const a = await faqInPath(c)
    return faqJson(a, await c.ws.voteArticle(a.id, c.me.id, { helpful }))
  }
}

/** Articles that may answer a ticket's subject (`?q=`), before it is sent; what a customer is shown is recorded. */
async function suggestFaqs(c) {
  const q = c.req.query.q
  if (typeof q !== 'string' || !q.trim()) throw new HttpError(400, 'invalid_input', 'q is required', 'q')
  const s = await c.ws.suggestArticles(q, await language(c), { shownTo: c.me.staff ? undefined : c.me.id })
  return { suggestion_id: s.id, results: s.articles.map((h) => ({ ...faqJson(h.article), score: h.score })) }
}

/** An instant of the query string (ISO 8601 with an offset), or `fallback`. */
function instant(q, name, fallback) {
  const raw = q[name]
  if (raw === undefined || raw === '') return fallback
  const at = typeof raw === 'string' && /(Z|[+-]\d\d:?\d\d)$/.test(raw) ? new Date(raw) : new Date(NaN)
  if (Number.isNaN(at.getTime())) throw new HttpError(400, 'invalid_input', `${name} must be an ISO 8601 instant with an offset`, name)
  return at
}

/** How suggestions deflected tickets (`?since=`, `?until=`; default the last 30 days). */
async function faqDeflection(c) {
  // Default: up to now included (a Date has milliseconds; what was recorded
  // earlier in this millisecond is before the next one).
  const until = instant(c.req.query, 'until', new Date(Date.now() + 1))
  const since = instant(c.req.query, 'since', new Date(until.getTime() - 30 * 86_400_000))
  const r = await c.ws.deflectionReport(since, until)
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    shown: r.shown,
    tickets_opened: r.ticketsOpened,
    deflection_rate: r.deflectionRate,
    articles: r.articles.map((a) => ({
      id: a.article, question: a.title, shown: a.shown, tickets_opened: a.ticketsOpened, deflection_rate: a.deflectionRate,
    })),
  }
}

async function listCategories(c) {
  return (await c.ws.listCategories()).filter((x) => x.active).map(categoryJson)
}

async function viewCategory(c) {
  const id = c.req.params.id
  if (!UUID.test(id)) throw notFound(`category ${id}`)
  return categoryJson(await c.ws.getCategory(id))
}

/** The customer a staff member opens a ticket for, created when Ticketry does not know them. */
async function onBehalfOf(ws, id) {
  if (!(await exists(ws.getCustomer(id)))) await ws.putCustomer({ id, name: id })
  return id
}

async function openTicket(c) {
  const b = body(c.req)
  // Staff open tickets on behalf of a customer (`user`).
  const customer = c.me.staff ? await onBehalfOf(c.ws, text(b, 'user')) : c.me.id
  const ride = optionalId(b, 'ride')
  const t = await c.ws.openTicket({
    customer,
    subject: text(b, 'subject'),
    description: text(b, 'description'),
    category: optionalText(b, 'category') || undefined,
    priority: optionalText(b, 'priority') || undefined,
    channel: 'api',
    links: ride ? [{ kind: 'ride', id: ride }] : undefined,
    suggestions: optionalText(b, 'suggestion_id') || undefined,
  })
  return ticketJson(t, c.me.staff)
}

async function listTickets(c) {
  const q = c.req.query
  const { me } = c
  const assigned = me.staff ? q.assigned_to : undefined
  const page = await c.ws.listTickets({
    customer: me.staff ? q.user || undefined : me.id,
    statuses: q.status ? statusFilter(q.status) : undefined,
    priority: q.priority || undefined,
    category: q.category || undefined,
    assignee: assigned && assigned !== 'none' ? (assigned === 'me' ? me.id : assigned) : undefined,
    unassigned: assigned === 'none' ? true : undefined,
    order: q.order || undefined,
    // Words as typed in a search box; staff search internal notes too.
    search: typeof q.q === 'string' && q.q ? q.q : undefined,
    searchNotes: me.staff ? true : undefined,
    after: q.cursor || undefined,
    limit: limitParam(q),
  })
  return { results: page.items.map((t) => ticketJson(t, me.staff)), next_cursor: page.nextCursor }
}

/** Counts per status (seed and Ticketry names) and today's dashboard, as the Django app's `stats/`. */
async function viewStats(c) {
  const until = new Date(Date.now() + 1) // now included
  const since = new Date(until.getTime() - 30 * 86_400_000)
  const [s, d, m] = await Promise.all([c.ws.ticketStats(), c.ws.dashboard(), c.ws.metrics(since, until)])
  const seed = {}
  for (const [status, n] of Object.entries(s.byStatus)) seed[SEED_STATUS[status]] = (seed[SEED_STATUS[status]] ?? 0) + n
  const secs = (ms) => (ms === null ? null : Math.round(ms / 1000))
  const t = m.totals
  return {
    last_30_days: {
      created: t.created,
      resolved: t.resolved,
      reopened: t.reopened,
      median_first_response: secs(t.firstResponse.median),
      median_resolution: secs(t.resolution.median),
      csat: t.csat.mean,
      sla_compliance: Object.fromEntries(t.sla.map((x) => [x.metric, x.compliance])),
    },
    total: s.total,
    by_status: seed,
    by_state: s.byStatus,
    active: d.active,
    unassigned: d.unassigned,
    created_today: d.createdToday,
    resolved_today: d.resolvedToday,
    closed_today: d.closedToday,
    breaching_now: d.breachingNow,
    due_within_hour: d.dueWithinHour,
    avg_first_response: secs(d.avgFirstResponse),
    avg_resolution: secs(d.avgResolution),
  }
}

async function viewTicket(c) {
  return ticketJson(c.ticket, c.me.staff)
}

/** Applies the fields present in the body, one Ticketry change each. */
/**
 * Seed 004's staff update: every field given is changed in one atomic write
 * (all or nothing; the status last). `assigned_to: null` unassigns; a
 * category can be changed here, not removed.
 */
async function updateTicket(c) {
  const b = body(c.req)
  const t = c.ticket
  if (b.category === null && t.category !== null) {
    throw new HttpError(400, 'invalid_input', 'a category can be changed here, not removed', 'category')
  }
  // Assignees are staff who have used the API (Ticketry knows them as agents).
  const assignee = optionalId(b, 'assigned_to')
  const status = optionalText(b, 'status')
  const sameStatus = status === undefined || status === t.status || status === SEED_STATUS[t.status]
  const updated = await c.ws.updateTicket(t.id, {
    subject: b.subject,
    description: b.description,
    priority: optionalText(b, 'priority'),
    category: optionalText(b, 'category'),
    assignee,
    unassign: b.assigned_to === null && t.assignee !== null ? true : undefined,
    status: sameStatus ? undefined : status,
    expectedVersion: b.version,
    by: c.me.actor,
  })
  return ticketJson(updated, true)
}

async function listMessages(c) {
  const thread = await c.ws.thread(c.ticket.id, { view: view(c.me) })
  return thread.messages.map(messageJson)
}

async function rateTicket(c) {
  const b = body(c.req)
  const rating = required(b, 'rating')
  if (!Number.isInteger(rating)) throw new HttpError(400, 'invalid_input', 'rating must be an integer from 1 to 5', 'rating')
  const comment = optionalText(b, 'feedback')
  return ticketJson(await c.ws.rate(c.ticket.id, rating, { comment, by: c.me.actor }), false)
}

/** A customer's message, or a staff reply (`status`, e.g. `waiting_user`, sets the ticket's). */
async function addMessage(c) {
  const b = body(c.req)
  const message = text(b, 'message')
  // Only `true` makes a note (`messageAction`): anything else but `false`
  // is refused, never published as a reply.
  optional(b, 'is_internal', 'boolean')
  const { ws, me, ticket } = c
  const m = me.staff
    ? await ws.reply(ticket.id, me.id, message, { status: optionalText(b, 'status') || undefined })
    : await ws.customerMessage(ticket.id, me.id, message)
  return messageJson(m)
}

async function addNote(c) {
  return messageJson(await c.ws.addNote(c.ticket.id, c.me.id, text(body(c.req), 'message')))
}

async function viewMessage(c) {
  return messageJson(c.message)
}

/**
 * Every action, in the order of `ACTIONS`: who may take it (`staff` or `customer`
 * only; 403 otherwise, with `denied` as the message), the ticket it is about
 * (`ticket` loads it: 404 for another customer's), its handler and success status,
 * and the request field a Ticketry error on the message `body` names.
 */
const SPECS = {
  list_categories: { run: listCategories },
  view_category: { run: viewCategory },
  open_ticket: { run: openTicket, status: 201, body: 'description' },
  list_tickets: { run: listTickets },
  view_ticket: { ticket: ticketInPath, run: viewTicket },
  update_ticket: { who: 'staff', ticket: ticketInPath, run: updateTicket },
  list_messages: { ticket: ticketInPath, run: listMessages },
  rate_ticket: { who: 'customer', denied: 'only the customer rates a ticket', ticket: ticketInPath, run: rateTicket },
  view_stats: { who: 'staff', run: viewStats },
  add_message: { ticket: ticketInBody, run: addMessage, status: 201, body: 'message' },
  add_note: { who: 'staff', denied: 'internal notes are for support staff', ticket: ticketInBody, run: addNote, status: 201, body: 'message' },
  view_message: { ticket: messageInPath, run: viewMessage },
  list_faqs: { run: listFaqs },
  view_faq: { run: viewFaq },
  vote_faq_helpful: { run: voteFaq(true) },
  vote_faq_not_helpful: { run: voteFaq(false) },
  suggest_faqs: { run: suggestFaqs },
  view_faq_deflection: { who: 'staff', run: faqDeflection },
}

/** The action names `can(action, ctx)` sees. */
const ACTIONS = Object.freeze(Object.keys(SPECS))

/** `POST messages/`: an internal note (`is_internal: true`) or a message. */
const messageAction = (req) => (req.body?.is_internal === true ? 'add_note' : 'add_message')

/** Seed 004's endpoints: path → method → action (or a function of the request choosing it). */
const ROUTES = [
  ['/categories/', { GET: 'list_categories' }],
  ['/categories/:id/', { GET: 'view_category' }],
  ['/tickets/', { GET: 'list_tickets', POST: 'open_ticket' }],
  // Before `/tickets/:id/`, so `stats` is not taken for a ticket.
  ['/tickets/stats/', { GET: 'view_stats' }],
  ['/tickets/:id/', { GET: 'view_ticket', PUT: 'update_ticket' }],
  ['/tickets/:id/messages/', { GET: 'list_messages' }],
  ['/tickets/:id/rate/', { POST: 'rate_ticket' }],
  ['/messages/', { POST: messageAction }],
  ['/messages/:id/', { GET: 'view_message' }],
  ['/faq/', { GET: 'list_faqs' }],
  // Before `/faq/:id/`.
  ['/faq/suggest/', { GET: 'suggest_faqs' }],
  ['/faq/deflection/', { GET: 'view_faq_deflection' }],
  ['/faq/:id/', { GET: 'view_faq' }],
  ['/faq/:id/helpful/', { POST: 'vote_faq_helpful' }],
  ['/faq/:id/not-helpful/', { POST: 'vote_faq_not_helpful' }],
]

// ----- the router ------------------------------------------------------------------

/** The built-in rule on who may take an action (403 otherwise). */
function checkRole(spec, me) {
  if (spec.who === 'staff' && !me.staff) throw new HttpError(403, 'forbidden', spec.denied ?? 'support staff only')
  if (spec.who === 'customer' && me.staff) throw new HttpError(403, 'forbidden', spec.denied ?? 'customers only')
}

/**
 * The handler of one endpoint: the caller (401 when anonymous, whatever the
 * request), a JSON body for POST and PUT (415 otherwise: a cross-site form
 * cannot send one), the built-in rules, the host's hook, the action. Errors go
 * to the router's error handler.
 */
function endpoint(pick, opts) {
  return async (req, res) => {
    const user = await opts.identify(req)
    if (user === null || user === undefined) throw new HttpError(401, 'not_authenticated', 'authentication required')
    if (WITH_BODY.has(req.method) && !req.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'send a JSON body (Content-Type: application/json)', 'body')
    }
    // The body is parsed only now, so an anonymous caller's malformed or
    // oversized body is 401 too, not 400 or 413.
    // A body that is not text in its charset is refused as such, even where
    // the JSON parser then failed on what the bytes decoded to.
    await new Promise((resolve, reject) =>
      opts.parseJson(req, res, (err) => {
        if (req[BAD_TEXT] !== undefined) reject(badText(req[BAD_TEXT]))
        else if (err) reject(requestError(err, 'body'))
        else resolve()
      }),
    )
    if (WITH_BODY.has(req.method)) checkUnicode(req)
    const action = typeof pick === 'function' ? pick(req) : pick
    const spec = SPECS[action]
    const me = caller(user)
    checkRole(spec, me)
    const ws = await opts.workspaceOf(req)
    await opts.mirror(ws, me)
    const c = { req, ws, me }
    const ctx = { req, user, workspace: ws }
    if (spec.ticket) c.ticket = ctx.ticket = await spec.ticket(c)
    if ((await opts.can(action, ctx)) === false) throw new HttpError(403, 'forbidden', `not allowed: ${action}`)
    res.status(spec.status ?? 200).json(await spec.run(c).catch((err) => Promise.reject(requestField(err, spec))))
  }
}

/**
 * Refuses a body holding a string with a lone surrogate (`"\\ud800"`, which
 * the native binding would store as U+FFFD), as the Django app does; bytes
 * that are not text in the body's charset are refused by `markBadText`.
 */
function checkUnicode(req) {
  const todo = [req.body]
  while (todo.length > 0) {
    const v = todo.pop()
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) {
        throw new HttpError(400, 'invalid_input', 'the body holds a lone surrogate (\\ud800-\\udfff): not Unicode text', 'body')
      }
    } else if (Array.isArray(v)) {
      todo.push(...v)
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) todo.push(key, item)
    }
  }
}

/** The error for a body `markBadText` marked. */
function badText(charset) {
  if (charset === 'charset') return new HttpError(415, 'unsupported_media_type', 'send the body as UTF-8 (or UTF-16)', 'body')
  return new HttpError(400, 'invalid_input', `the body is not valid ${charset}`, 'body')
}

/** Set on a request whose body is not valid text in its charset: the charset, or `charset` when not checked. */
const BAD_TEXT = Symbol('ticketry.badText')
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** The charsets the JSON parser takes that a strict decoder checks. */
const STRICT = {
  'utf-8': new TextDecoder('utf-8', { fatal: true }),
  'utf-16le': new TextDecoder('utf-16le', { fatal: true }),
  'utf-16be': new TextDecoder('utf-16be', { fatal: true }),
}

/**
 * The byte order of a `utf-16` body, as the JSON parser's decoder (iconv-lite)
 * finds it: its byte-order mark, or else the side its ASCII's zero bytes are on.
 */
function utf16Order(buf) {
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be'
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le'
  let even = 0
  let odd = 0
  for (let i = 0; i + 1 < Math.min(buf.length, 100); i += 2) {
    if (buf[i] === 0 && buf[i + 1] !== 0) even += 1
    if (buf[i] !== 0 && buf[i + 1] === 0) odd += 1
  }
  return even > odd ? 'utf-16be' : 'utf-16le'
}

/**
 * `express.json`'s `verify`: marks a body that is not valid text in its
 * charset (the JSON parser would store U+FFFD in place of the bad bytes, or
 * drop them), or in a charset no strict decoder here reads (415).
 */
function markBadText(req, res, buf, encoding) {
  let charset = String(encoding).toLowerCase()
  if (charset === 'utf-16') charset = utf16Order(buf)
  const strict = STRICT[charset]
  if (strict === undefined) {
    req[BAD_TEXT] = 'charset'
    return
  }
  try {
    strict.decode(buf)
  } catch {
    req[BAD_TEXT] = charset.toUpperCase()
  }
}

/** Ticketry's argument → the request's own name for it, where they differ. */
const REQUEST_FIELDS = {
  after: 'cursor',
  search: 'q',
  statuses: 'status',
  customer: 'user',
  assignee: 'assigned_to',
  comment: 'feedback',
  expectedVersion: 'version',
  suggestions: 'suggestion_id',
  links: 'ride',
}

/**
 * A Ticketry error naming the request's own field (`after` → `cursor`,
 * `statuses[2]` → `status`, a body → `description` or `message`), as the
 * error contract promises; other errors as they are.
 */
function requestField(err, spec) {
  if (typeof err?.field !== 'string' || !(err.code in HTTP_STATUS) || err instanceof HttpError) return err
  const lead = err.field.split(/[.[]/, 1)[0]
  const named = (lead === 'body' ? spec.body : undefined) ?? REQUEST_FIELDS[lead]
  if (named) err.field = named
  return err
}

/** Sends `{"error": {code, message, field}}`. */
function sendError(res, status, code, message, field = null) {
  res.status(status).json({ error: { code, message, field } })
}

/** A known path asked with another method: 405 with `Allow`. */
function methodNotAllowed(methods) {
  const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ')
  return (req, res) => {
    res.set('Allow', allow)
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed here (allowed: ${allow})`)
  }
}

function noRoute(req, res) {
  sendError(res, 404, 'not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)
}

/**
 * A request Express itself refused, as an `HttpError` with its 4xx status:
 * a body the JSON parser or its decompression refused (malformed, too
 * large, a charset or encoding it does not take), or a path parameter that
 * is not valid percent-encoding. Its message is shown only when marked safe
 * to. Anything else is returned as it is. (A Ticketry error's `status` is a
 * ticket's status, a string.)
 */
function requestError(err, field = null) {
  if (err instanceof HttpError || !Number.isInteger(err?.status) || err.status < 400 || err.status >= 500) return err
  const code = STATUS_CODES[err.status] ?? 'invalid_input'
  return new HttpError(err.status, code, err.expose ? err.message : 'malformed request', field)
}

/** The code of a 4xx that Express or a host's hook (`identify`, `can`, `workspace`) threw with a status. */
const STATUS_CODES = {
  401: 'not_authenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  415: 'unsupported_media_type',
}

/** An error → `{ status, code, message, field }`; anything unexpected is a bare 500. */
function describeError(err) {
  err = requestError(err)
  if (err instanceof HttpError) return err
  const status = HTTP_STATUS[err?.code]
  if (status && err.code !== 'internal') return { status, code: err.code, message: err.message, field: err.field ?? null }
  return { status: 500, code: 'internal', message: 'internal error', field: null }
}

/** The router's error handler: JSON, and `onError` for every 5xx. */
function errorHandler(onError) {
  // Express tells error handlers by their four parameters.
  // eslint-disable-next-line no-unused-vars
  return (err, req, res, next) => {
    if (res.headersSent) return next(err)
    const e = describeError(err)
    if (e.status >= 500) onError(err, req)
    sendError(res, e.status, e.code, e.message, e.field)
  }
}

const logError = (err) => console.error('ticketry/express:', err)

/** The options, checked (a TypeError names what is wrong), with their defaults. */
function settings(options) {
  const { desk, workspace = 'support', workspaceName, identify, can, bodyLimit = '1mb', onError = logError } = options ?? {}
  const fail = (what) => {
    throw new TypeError(`supportRouter: ${what}`)
  }
  if (typeof desk?.workspaceBySlug !== 'function') fail('`desk` must be a Helpdesk')
  if (typeof identify !== 'function') fail('`identify(req)` is required: it says who is calling (there is no safe default)')
  if (typeof workspace !== 'string' && typeof workspace !== 'function') fail('`workspace` must be a slug or a function (req) => slug | Workspace')
  if (can !== undefined && typeof can !== 'function') fail('`can` must be a function (action, ctx) => boolean')
  if (typeof onError !== 'function') fail('`onError` must be a function')
  return {
    identify,
    can: can ?? (() => true),
    workspaceOf: workspaceResolver(desk, workspace, workspaceName),
    mirror: userMirror(),
    bodyLimit,
    onError,
  }
}

/**
 * The support API as an Express router: mount it with
 * `app.use('/api/support', supportRouter({ desk, workspace, identify, can }))`.
 * Mount the host's own routes under the same prefix before it: it answers
 * every path under its mount point (404 `not_found` for unknown ones).
 */
function supportRouter(options) {
  const opts = settings(options)
  const router = express.Router()
  opts.parseJson = express.json({ limit: opts.bodyLimit, verify: markBadText })
  for (const [path, methods] of ROUTES) {
    const route = router.route(path)
    for (const [method, pick] of Object.entries(methods)) route[method.toLowerCase()](endpoint(pick, opts))
    route.all(methodNotAllowed(Object.keys(methods)))
  }
  router.use(noRoute)
  router.use(errorHandler(opts.onError))
  return router
}

exports.ACTIONS = ACTIONS
exports.HTTP_STATUS = HTTP_STATUS
exports.HttpError = HttpError
exports.ensureWorkspace = ensureWorkspace
exports.supportRouter = supportRouter
