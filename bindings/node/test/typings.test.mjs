// The committed typings compile under `tsc --strict` and describe the API as used.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

it('index.d.ts type-checks a program using the API (tsc --strict)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const file = fileURLToPath(new URL('./typings-check.ts', import.meta.url))
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', file], {
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
})
