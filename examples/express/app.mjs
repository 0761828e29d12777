// The seed's support API (seeds/004: categories, tickets, messages, rating,
// staff statistics) as JSON over Express: the router comes with the `ticketry`
// package (`ticketry/express`); this project adds who is calling, the seed's
// categories and a 404 for paths outside the API. `createApp({ desk })` builds
// the app; server.mjs runs it.
//
// The access rules (customers see their own tickets only and never internal
// notes; updates and statistics are staff only) and the error JSON
// `{"error": {"code", "message", "field"}}` are the router's: see its section
// in the repository's README.

import express from 'express'
import { HttpError, HTTP_STATUS, ensureWorkspace, supportRouter } from 'ticketry/express'

export { HTTP_STATUS }

/** The seed's categories, created when the workspace has none. */
export const SEED_CATEGORIES = [
  { name: 'Ride Issue', icon: 'car', description: 'Problems during or after a ride' },
  { name: 'Driver Issue', icon: 'user', description: 'Driver behaviour, vehicle condition' },
  { name: 'Payment Issue', icon: 'credit-card', description: 'Charges, refunds, receipts', defaultPriority: 'high' },
  { name: 'Account', icon: 'lock', description: 'Login, profile, settings' },
  { name: 'Other', icon: 'help', description: 'Anything else' },
]

/**
 * Who is calling: whoever the `X-User-Id` header names, a customer unless
 * `X-User-Role: staff` (optional `X-User-Name`). This stands in for the host's
 * real authentication: replace it with your session or token check, returning
 * `{ id, name, email, staff }` for a logged-in user and `null` otherwise.
 */
function identify(req) {
  const id = req.get('X-User-Id')
  if (!id) return null
  const role = (req.get('X-User-Role') || 'customer').toLowerCase()
  if (role !== 'customer' && role !== 'staff') {
    throw new HttpError(400, 'invalid_input', 'X-User-Role must be customer or staff', 'X-User-Role')
  }
  return { id, name: req.get('X-User-Name') || id, staff: role === 'staff' }
}

/** Creates the seed's categories in a workspace that has none. */
async function seedCategories(ws) {
  if ((await ws.listCategories()).length > 0) return
  for (const [i, c] of SEED_CATEGORIES.entries()) await ws.createCategory({ ...c, position: i })
}

/** The seed's periodic jobs as Ticketry presets (server.mjs runs them). */
export const SEED_PRESETS = [
  { autoClose: { after: 7 * 24 * 3_600_000 } }, // close resolved tickets after 7 days
  { escalateOpen: { after: 48 * 3_600_000 } }, // escalate tickets open over 48 h
  { ratingReminder: { after: 2 * 24 * 3_600_000 } }, // ask for a rating 2 days after resolution
  { overdueReminder: { every: 6 * 3_600_000 } }, // overdue alerts every 6 h
]

/**
 * The seed's automation: new tickets go to the staff member with the least
 * workload among those with room (seed 004's Celery task), the periodic jobs
 * are rules, and every new ticket gets an auto-reply with its number and the
 * first-response promise. Installing again replaces rules by name.
 */
async function seedAutomation(ws) {
  await ws.update({ settings: { assignment: 'least_loaded' } })
  for (const preset of SEED_PRESETS) await ws.addPreset(preset)
  const body =
    'We received your request {{ ticket.number }} ({{ ticket.priority }}).' +
    '{% if ticket.sla.clocks %} We will answer by ' +
    '{{ ticket.sla.clocks[0].due_at|datetime(customer.timezone or workspace.timezone) }}.{% endif %}'
  const templates = await ws.listTemplates()
  const ack = templates.find((t) => t.name === 'Auto-reply') || (await ws.createTemplate({ name: 'Auto-reply', body }))
  await ws.addPreset({ autoReply: { template: ack.id } })
}

/**
 * Builds the Express app over a Ticketry `desk` (memory or PostgreSQL). The
 * seed API lives in one workspace, `slug` (created and seeded on first start).
 */
export async function createApp({ desk, slug = 'support' }) {
  const workspace = await ensureWorkspace(desk, slug, 'Support')
  await seedCategories(workspace)
  await seedAutomation(workspace)

  const app = express()
  app.disable('x-powered-by')
  app.use('/api/support', supportRouter({ desk, workspace: slug, identify }))
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}`, field: null } })
  })
  return { app, workspace }
}
