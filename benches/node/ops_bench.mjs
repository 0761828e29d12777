// Calls per second of openTicket + reply from Node (memory backend, awaited
// one after the other), as the median of several runs. Written against the
// API both the hand-written addon (before the operation table) and the
// generated client accept, so the same script measures either build:
//
//   node benches/node/ops_bench.mjs <path to the addon's index.js> [iterations] [runs]
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const [addon = '../../bindings/node/index.js', iterations = '20000', runs = '5'] = process.argv.slice(2)
const { Helpdesk } = createRequire(import.meta.url)(resolve(addon))
const n = Number(iterations)

async function once(run) {
  const desk = Helpdesk.inMemory()
  const ws = await desk.createWorkspace({ name: 'Bench', slug: `bench-${run}` })
  await ws.putCustomer({ id: 'c1', name: 'Customer' })
  await ws.putAgent({ id: 'a1', name: 'Agent' })
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const t = await ws.openTicket({ customer: 'c1', subject: 'Cannot log in', description: 'It says 403' })
    await ws.reply(t.id, 'a1', 'Try again')
  }
  return (2 * n) / ((performance.now() - t0) / 1000)
}

const rates = []
for (let r = 0; r < Number(runs); r++) rates.push(await once(r))
rates.sort((a, b) => a - b)
console.log(JSON.stringify({ node_promises: Math.round(rates[Math.floor(rates.length / 2)]) }))
