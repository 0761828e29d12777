// Compiled by test/typings.test.mjs with `tsc --noEmit --strict`: the committed
// index.d.ts and express.d.ts describe the API as the tests use it.
import {
  Calendar,
  ERROR_CODES,
  Helpdesk,
  ManualClock,
  type ErrorCode,
  type Event,
  type IngestResult,
  type NotificationKind,
  type Ticket,
  type TicketStatus,
  type TicketryError,
  type Workspace,
} from '../index'
import {
  ACTIONS,
  HTTP_STATUS,
  HttpError,
  ensureWorkspace,
  supportRouter,
  type Action,
  type SupportErrorBody,
  type SupportRequest,
  type SupportRouter,
} from 'ticketry/express'

async function demo(): Promise<void> {
  const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'))
  const desk: Helpdesk = Helpdesk.inMemory({ clock })
  const pg: Promise<Helpdesk> = Helpdesk.connect('postgres://localhost/app', { schema: 'ticketry', acquireTimeoutMs: 500 })
  void pg
  const ws: Workspace = await desk.createWorkspace({ name: 'Acme', slug: 'acme', priorityPreset: 'none' })
  await ws.putCustomer({ id: 'u1', name: 'Alice' })
  const t: Ticket = await ws.openTicket({ customer: 'u1', subject: 's', description: 'd', channel: 'email' })
  const filed: IngestResult = await ws.ingestEmail(new Uint8Array([70, 58]), { mailbox: 'help@example.com' })
  const bytes: Uint8Array[] = filed.parts.map((p) => p.content)
  const batch = await ws.notifications({ limit: 10 })
  const told: NotificationKind | undefined = batch.notifications[0]?.kind
  await ws.ackNotifications(batch.cursor)
  void [bytes, told]
  const status: TicketStatus = t.status
  const created: Date = t.createdAt
  const due: Date | null = t.sla.dueAt
  const ms: number | null = t.sla.clocks[0]?.target ?? null
  void [status, created, due, ms]
  await ws.setStatus(t.id, 'in_progress', { by: { type: 'agent', id: 'a1' } })
  // @ts-expect-error: not a status
  await ws.setStatus(t.id, 'sideways')
  // @ts-expect-error: an agent actor needs an id
  await ws.resolve(t.id, { by: { type: 'agent' } })
  const page = await ws.listTickets({ statuses: ['open', 'pending'], order: 'urgency', limit: 10 })
  const next: string | null = page.nextCursor
  void next
  const events: Event[] = await ws.events({ after: 0 })
  for (const e of events) {
    if (e.type === 'status.changed') {
      const to: TicketStatus = e.data.to
      void to
    } else if (e.type === 'sla.breached') {
      const at: Date = e.data.breachedAt
      void at
    }
  }
  const m = await ws.reply(t.id, 'a1', 'hi', { status: 'pending' })
  if (m.author.type === 'agent') {
    const who: string = m.author.id
    void who
  }
  await ws.setSlaPolicies([
    {
      name: 'Hours',
      calendar: { timezone: 'Europe/Berlin', weekly: { mon: [['09:00', '17:00']] }, boundary: 'next_opening' },
      targets: [{ priority: 'high', firstResponse: 3_600_000 }],
      warning: { percent: 80 },
    },
  ])
  const report = await ws.slaSweep({ now: new Date() })
  const kind: 'warning' | 'breached' | undefined = report.alerts[0]?.kind
  void kind
  const cal = Calendar.fromJson('{"timezone":"UTC","weekly":{}}')
  const d: Date | null = cal.add(new Date(), 3_600_000)
  const many: Float64Array = cal.addManyEpoch(new Float64Array([0]), new Float64Array([1]))
  void [d, many]
  const codes: ErrorCode[] = ERROR_CODES
  void codes
  try {
    await ws.getTicket('x')
  } catch (err) {
    const e = err as TicketryError
    const code: ErrorCode = e.code
    const field: string | undefined = e.field
    void [code, field]
  }
}
void demo

/** A host's request type, wider than the router needs (as Express's is). */
interface HostRequest extends SupportRequest {
  session: { userId?: number; isStaff: boolean; tenant: string }
}

async function router(desk: Helpdesk, mount: (path: string, handler: SupportRouter) => void): Promise<void> {
  const ws: Workspace = await ensureWorkspace(desk, 'support', 'Support')
  mount(
    '/api/support',
    supportRouter({
      desk,
      workspace: 'support',
      identify: (req) => {
        const id = req.get('X-User-Id')
        return id ? { id, staff: req.get('X-User-Role') === 'staff' } : null
      },
    }),
  )
  // The host's own request and user types come back in the hooks.
  const tenants: SupportRouter = supportRouter({
    desk,
    workspace: async (req: HostRequest) => (req.session.tenant === 'main' ? ws : req.session.tenant),
    identify: async (req: HostRequest) => (req.session.userId === undefined ? null : { id: req.session.userId, staff: req.session.isStaff, team: 'l2' }),
    can: async (action, { user, ticket, req }) => {
      const team: string = user.team
      const tenant: string = req.session.tenant
      void [team, tenant]
      // @ts-expect-error: not an action
      if (action === 'delete_ticket') return false
      return action !== 'rate_ticket' || ticket?.status === 'resolved'
    },
    bodyLimit: '100kb',
    onError: (err) => console.error(err),
  })
  void tenants
  // @ts-expect-error: identify is required
  supportRouter({ desk })
  const actions: readonly Action[] = ACTIONS
  const status: number = HTTP_STATUS.not_found
  const body: SupportErrorBody = { error: { code: 'method_not_allowed', message: 'no', field: null } }
  const err = new HttpError(400, 'invalid_input', 'bad role', 'X-User-Role')
  const field: string | null = err.field
  void [actions, status, body, field]
}
void router
