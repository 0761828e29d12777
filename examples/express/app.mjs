// The seed's support API (seeds/004: categories, tickets, messages, rating,
// staff statistics) as JSON over Express, with Ticketry doing the help-desk
// work. `createApp({ desk })` builds the app; server.mjs runs it.
//
// Identity: the caller is whoever the `X-User-Id` header names, a customer
// unless `X-User-Role: staff` (optional `X-User-Name`). This stands in for
// the host's real authentication: replace `identify()` with your session or
// token check and keep the rest.
//
// Access rules: customers see and act on their own tickets only (another
// customer's ticket is 404, as if it did not exist) and never see internal
// notes; updating a ticket and the statistics are staff only (403).
//
// Errors are JSON `{"error": {"code", "message", "field"}}`: Ticketry's codes
// map to 400 (invalid_input), 404 (not_found), 409 (invalid_transition,
// conflict, already_exists), 503 (storage, outcome_unknown: retry with the
// same idempotency key), 500 (internal); the example adds 401
// not_authenticated, 403 forbidden and 404 for unknown routes.

import express from 'express'

/** Ticketry's stable error codes → HTTP statuses. */
export const HTTP_STATUS = {
  not_found: 404,
  invalid_input: 400,
  invalid_transition: 409,
  conflict: 409,
  already_exists: 409,
  storage: 503,
  outcome_unknown: 503,
  internal: 500,
}

/** The seed's categories, created when the workspace has none. */
export const SEED_CATEGORIES = [
  { name: 'Ride Issue', icon: 'car', description: 'Problems during or after a ride' },
  { name: 'Driver Issue', icon: 'user', description: 'Driver behaviour, vehicle condition' },
  { name: 'Payment Issue', icon: 'credit-card', description: 'Charges, refunds, receipts', defaultPriority: 'high' },
  { name: 'Account', icon: 'lock', description: 'Login, profile, settings' },
  { name: 'Other', icon: 'help', description: 'Anything else' },
]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

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

/** A status filter in either vocabulary → Ticketry statuses. */
function statusFilter(list) {
  return String(list)
    .split(',')
    .filter(Boolean)
    .flatMap((s) => {
      const core = Object.keys(SEED_STATUS).filter((k) => SEED_STATUS[k] === s)
      return core.length ? core : [s]
    })
}

class HttpError extends Error {
  constructor(status, code, message, field) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
  }
}

const iso = (d) => (d ? d.toISOString() : null)

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
    out.sla = t.sla.clocks.map((c) => ({ metric: c.metric, status: c.status, due_at: iso(c.dueAt) }))
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

function required(body, key) {
  const v = body?.[key]
  if (v === undefined || v === null || v === '') throw new HttpError(400, 'invalid_input', `${key} is required`, key)
  return v
}

function text(body, key) {
  const v = required(body, key)
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_input', `${key} must be a string`, key)
  return v
}

/**
 * Builds the Express app over a Ticketry `desk` (memory or PostgreSQL). The
 * seed API lives in one workspace, `slug` (created on first start).
 */
export async function createApp({ desk, slug = 'support' }) {
  let ws
  try {
    ws = await desk.workspaceBySlug(slug)
  } catch (e) {
    if (e.code !== 'not_found') throw e
    try {
      ws = await desk.createWorkspace({ name: 'Support', slug })
    } catch (e2) {
      // Another process created it meanwhile.
      if (e2.code !== 'already_exists') throw e2
      ws = await desk.workspaceBySlug(slug)
    }
  }
  if ((await ws.listCategories()).length === 0) {
    for (const [i, c] of SEED_CATEGORIES.entries()) await ws.createCategory({ ...c, position: i })
  }

  // Users are mirrored into Ticketry the first time they call (an upsert).
  const known = new Set()
  async function identify(req) {
    const id = req.get('X-User-Id')
    if (!id) throw new HttpError(401, 'not_authenticated', 'send X-User-Id (and X-User-Role: staff for support staff)')
    const role = (req.get('X-User-Role') || 'customer').toLowerCase()
    if (role !== 'customer' && role !== 'staff') {
      throw new HttpError(400, 'invalid_input', 'X-User-Role must be customer or staff', 'X-User-Role')
    }
    const staff = role === 'staff'
    const name = req.get('X-User-Name') || id
    const key = `${role}:${id}:${name}`
    if (!known.has(key)) {
      if (staff) await ws.putAgent({ id, name })
      else await ws.putCustomer({ id, name })
      known.add(key)
    }
    return { id, staff, actor: { type: staff ? 'agent' : 'customer', id } }
  }

  /** The ticket by id or number; another customer's ticket does not exist for you. */
  async function findTicket(me, ref) {
    const t = UUID.test(ref) ? await ws.getTicket(ref) : await ws.getTicketByNumber(ref)
    if (!me.staff && t.customer !== me.id) throw new HttpError(404, 'not_found', `not found: ticket ${ref}`)
    return t
  }

  function staffOnly(me) {
    if (!me.staff) throw new HttpError(403, 'forbidden', 'support staff only')
  }

  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '1mb' }))

  // Every route: identify the caller, run the handler, send JSON.
  const route = (handler, status = 200) => async (req, res) => {
    const me = await identify(req)
    res.status(status).json(await handler(req, me))
  }
  const api = express.Router()

  api.get('/categories/', route(async () => (await ws.listCategories()).filter((c) => c.active).map(categoryJson)))

  api.get('/categories/:id/', route(async (req) => {
    if (!UUID.test(req.params.id)) throw new HttpError(404, 'not_found', `not found: category ${req.params.id}`)
    return categoryJson(await ws.getCategory(req.params.id))
  }))

  api.post('/tickets/', route(async (req, me) => {
    const b = req.body ?? {}
    // Staff may open a ticket on behalf of a customer (`user`).
    let customer = me.id
    if (me.staff) {
      customer = text(b, 'user')
      await ws.putCustomer({ id: customer, name: customer })
    }
    const t = await ws.openTicket({
      customer,
      subject: text(b, 'subject'),
      description: text(b, 'description'),
      category: b.category || undefined,
      priority: b.priority || undefined,
      channel: 'api',
      links: b.ride ? [{ kind: 'ride', id: String(b.ride) }] : undefined,
    })
    return ticketJson(t, me.staff)
  }, 201))

  api.get('/tickets/', route(async (req, me) => {
    const q = req.query
    const limit = q.limit === undefined ? 50 : Number(q.limit)
    if (!Number.isInteger(limit)) throw new HttpError(400, 'invalid_input', 'limit must be an integer', 'limit')
    const page = await ws.listTickets({
      customer: me.staff ? (q.user || undefined) : me.id,
      statuses: q.status ? statusFilter(q.status) : undefined,
      priority: q.priority || undefined,
      category: q.category || undefined,
      assignee: me.staff && q.assigned_to && q.assigned_to !== 'none' ? (q.assigned_to === 'me' ? me.id : q.assigned_to) : undefined,
      unassigned: me.staff && q.assigned_to === 'none' ? true : undefined,
      order: q.order || undefined,
      after: q.cursor || undefined,
      limit,
    })
    return { results: page.items.map((t) => ticketJson(t, me.staff)), next_cursor: page.nextCursor }
  }))

  // Before `/tickets/:id/`, so `stats` is not taken for an id.
  api.get('/tickets/stats/', route(async (req, me) => {
    staffOnly(me)
    const s = await ws.ticketStats()
    const seed = {}
    for (const [status, n] of Object.entries(s.byStatus)) seed[SEED_STATUS[status]] = (seed[SEED_STATUS[status]] ?? 0) + n
    return { total: s.total, by_status: seed, by_state: s.byStatus }
  }))

  api.get('/tickets/:id/', route(async (req, me) => ticketJson(await findTicket(me, req.params.id), me.staff)))

  api.put('/tickets/:id/', route(async (req, me) => {
    staffOnly(me)
    const b = req.body ?? {}
    let t = await findTicket(me, req.params.id)
    const by = { by: me.actor }
    if (b.subject !== undefined || b.description !== undefined) {
      t = await ws.updateTicket(t.id, { subject: b.subject, description: b.description, expectedVersion: b.version, ...by })
    }
    if (b.priority !== undefined && b.priority !== t.priority) t = await ws.setPriority(t.id, String(b.priority), by)
    if (b.category !== undefined && b.category !== t.category) t = await ws.setCategory(t.id, b.category, by)
    // Assignees are staff who have used the API (Ticketry knows them as agents).
    if (b.assigned_to !== undefined && b.assigned_to !== t.assignee) {
      t = await ws.assign(t.id, { agent: b.assigned_to === null ? undefined : String(b.assigned_to), ...by })
    }
    if (b.status !== undefined && b.status !== SEED_STATUS[t.status] && b.status !== t.status) {
      t = await ws.setStatus(t.id, String(b.status), by)
    }
    return ticketJson(t, true)
  }))

  api.get('/tickets/:id/messages/', route(async (req, me) => {
    const t = await findTicket(me, req.params.id)
    const thread = await ws.thread(t.id, { view: me.staff ? 'agent' : 'customer' })
    return thread.messages.map(messageJson)
  }))

  api.post('/tickets/:id/rate/', route(async (req, me) => {
    const t = await findTicket(me, req.params.id)
    if (me.staff) throw new HttpError(403, 'forbidden', 'only the customer rates a ticket')
    const rating = required(req.body, 'rating')
    if (!Number.isInteger(rating)) throw new HttpError(400, 'invalid_input', 'rating must be an integer from 1 to 5', 'rating')
    const feedback = req.body.feedback == null ? undefined : String(req.body.feedback)
    return ticketJson(await ws.rate(t.id, rating, { comment: feedback, by: me.actor }), false)
  }))

  api.post('/messages/', route(async (req, me) => {
    const b = req.body ?? {}
    const t = await findTicket(me, String(required(b, 'ticket')))
    const body = text(b, 'message')
    const internal = b.is_internal === true
    let m
    if (me.staff) {
      m = internal ? await ws.addNote(t.id, me.id, body) : await ws.reply(t.id, me.id, body, { status: b.status || undefined })
    } else {
      if (internal) throw new HttpError(403, 'forbidden', 'internal notes are for support staff')
      m = await ws.customerMessage(t.id, me.id, body)
    }
    return messageJson(m)
  }, 201))

  // Seed 004: one message; a customer sees public messages of their own tickets only.
  api.get('/messages/:id/', route(async (req, me) => {
    const m = await ws.getMessage(req.params.id, { view: me.staff ? 'agent' : 'customer' })
    const t = await ws.getTicket(m.ticketId)
    if (!me.staff && t.customer !== me.id) throw new HttpError(404, 'not_found', `not found: message ${m.id}`)
    return messageJson(m)
  }))

  app.use('/api/support', api)

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}`, field: null } })
  })

  // The one place errors become HTTP responses.
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    let status = err instanceof HttpError ? err.status : HTTP_STATUS[err.code]
    let code = err.code
    if (err.type === 'entity.parse.failed') {
      status = 400
      code = 'invalid_input'
    }
    if (!status) {
      status = 500
      code = 'internal'
      console.error(err)
    }
    res.status(status).json({ error: { code, message: err.message, field: err.field ?? (code === 'invalid_input' && err.type ? 'body' : null) } })
  })

  return { app, workspace: ws }
}
