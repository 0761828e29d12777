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

/**
 * Builds the Express app over a Ticketry `desk` (memory or PostgreSQL). The
 * seed API lives in one workspace, `slug` (created and seeded on first start).
 */
export async function createApp({ desk, slug = 'support' }) {
  const workspace = await ensureWorkspace(desk, slug, 'Support')
  await seedCategories(workspace)

  const app = express()
  app.disable('x-powered-by')
  app.use('/api/support', supportRouter({ desk, workspace: slug, identify }))
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}`, field: null } })
  })
  return { app, workspace }
}
