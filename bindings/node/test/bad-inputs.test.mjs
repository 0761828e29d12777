// The shared table of bad inputs (bindings/testdata/bad_inputs.json), run in a
// child process: every case is a Ticketry error with a core code and the
// caller's field, changes nothing, and the process exits normally.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

it('refuses every bad input of the shared table, in a child process', () => {
  const runner = fileURLToPath(new URL('./bad-inputs-runner.mjs', import.meta.url))
  const r = spawnSync(process.execPath, [runner], { encoding: 'utf8', timeout: 600_000 })
  assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /^ok \d+\n$/)
})
