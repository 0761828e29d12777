#!/usr/bin/env node
// SLA calendar throughput from Node: the Ticketry addon vs moment-business-time.
//
// The workload is the Rust `sla` benchmark's (benches/lib.rs, module
// `sla_workload`), regenerated from the same integer formulas:
//
// * calendar: Europe/Berlin, Monday–Friday 09:00–12:00 and 13:00–17:00, the
//   German national holidays of 2026 and 2027;
// * 2000 items, i = 0..1999: start_i = 2026-01-01T00:00:00Z + i * 15768 s;
//   add: start_i + (1 + (i * 37 mod 80)) business hours;
//   between: start_i .. start_i + ((i * 13) mod 31) days + ((i * 7) mod 24) hours.
//
// Measured in one process, as operations (items) per second (the median of
// repeated full passes over the 2000 items):
//
// * Ticketry, one call per item (`cal.add(date, ms)`, `cal.between(a, b)`,
//   `Date` in and out), and the batch forms over arrays of `Date`s (`addMany`,
//   `betweenMany`) and over `Float64Array`s of epoch milliseconds
//   (`addManyEpoch`, `betweenManyEpoch`), one call for all 2000;
// * moment-business-time (`moment(start).addWorkingTime(h, 'hours')`,
//   `moment(end).workingDiff(moment(start), 'milliseconds')`), configured
//   with the same hours and holidays. It works in the process's local time
//   zone, so this script runs itself under TZ=Europe/Berlin.
//
// moment's results are checked against Ticketry's item by item (agreement is
// printed), and Ticketry's checksums are printed for comparison with the Rust
// bench (`sla_workload::checksums`).
//
// Usage (release build of the addon; bench-only deps):
//   (cd bindings/node && npm install && npx napi build --platform --release)
//   (cd benches/node && npm install && node sla_compare.mjs [--seconds 2])

if (process.env.TZ !== 'Europe/Berlin') {
  // moment-business-time counts in local time: re-run with Berlin as local time.
  const { spawnSync } = await import('node:child_process')
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TZ: 'Europe/Berlin' },
  })
  process.exit(r.status ?? 1)
}

const { Calendar } = await import('ticketry')
const { default: moment } = await import('moment-business-time')

const argSeconds = process.argv.indexOf('--seconds')
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 2

const N = 2000
const START_UNIX = 1_767_225_600 // 2026-01-01T00:00:00Z
const STEP_SECS = 15_768 // 365 days / 2000
const H = 3_600_000

const HOLIDAYS = [
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14',
  '2026-05-25', '2026-10-03', '2026-12-25', '2026-12-26',
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-01', '2027-05-06',
  '2027-05-17', '2027-10-03', '2027-12-25', '2027-12-26',
]
const DAY = [['09:00', '12:00'], ['13:00', '17:00']]
const CALENDAR = {
  timezone: 'Europe/Berlin',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, DAY])),
  holidays: HOLIDAYS,
}

const start = (i) => new Date((START_UNIX + i * STEP_SECS) * 1000)
const hours = (i) => 1 + ((i * 37) % 80)
const end = (i) => new Date((START_UNIX + i * STEP_SECS + ((i * 13) % 31) * 86_400 + ((i * 7) % 24) * 3_600) * 1000)

const STARTS = Array.from({ length: N }, (_, i) => start(i))
const DURS = Array.from({ length: N }, (_, i) => hours(i) * H)
const ENDS = Array.from({ length: N }, (_, i) => end(i))
const STARTS_MS = Float64Array.from(STARTS, (d) => d.getTime())
const DURS_MS = Float64Array.from(DURS)
const ENDS_MS = Float64Array.from(ENDS, (d) => d.getTime())
const HOURS = Array.from({ length: N }, (_, i) => hours(i))

/** Items per second: the median of repeated full passes (at least 3, for about `seconds`). */
function measure(fn, seconds = SECONDS) {
  fn() // warm up
  const rates = []
  const deadline = performance.now() + seconds * 1000
  while (performance.now() < deadline || rates.length < 3) {
    const t0 = performance.now()
    fn()
    rates.push(N / ((performance.now() - t0) / 1000))
  }
  rates.sort((a, b) => a - b)
  return rates[rates.length >> 1]
}

const cal = Calendar.fromJson(JSON.stringify(CALENDAR))

const ticketry = {
  add: {
    'Ticketry add (one call per item)': () => {
      const out = new Array(N)
      for (let i = 0; i < N; i++) out[i] = cal.add(STARTS[i], DURS[i])
      return out
    },
    'Ticketry addMany (one batch call, Date[])': () => cal.addMany(STARTS, DURS),
    'Ticketry addManyEpoch (one batch call, Float64Array)': () => cal.addManyEpoch(STARTS_MS, DURS_MS),
  },
  between: {
    'Ticketry between (one call per item)': () => {
      const out = new Array(N)
      for (let i = 0; i < N; i++) out[i] = cal.between(STARTS[i], ENDS[i])
      return out
    },
    'Ticketry betweenMany (one batch call, Date[])': () => cal.betweenMany(STARTS, ENDS),
    'Ticketry betweenManyEpoch (one batch call, Float64Array)': () => cal.betweenManyEpoch(STARTS_MS, ENDS_MS),
  },
}

moment.updateLocale('en', {
  workinghours: {
    0: null,
    1: ['09:00:00', '12:00:00', '13:00:00', '17:00:00'],
    2: ['09:00:00', '12:00:00', '13:00:00', '17:00:00'],
    3: ['09:00:00', '12:00:00', '13:00:00', '17:00:00'],
    4: ['09:00:00', '12:00:00', '13:00:00', '17:00:00'],
    5: ['09:00:00', '12:00:00', '13:00:00', '17:00:00'],
    6: null,
  },
  holidays: HOLIDAYS,
})
const mbtVersion = (await import('moment-business-time/package.json', { with: { type: 'json' } }).catch(() => null))?.default?.version ?? '?'
const momentLib = {
  add: {
    [`moment-business-time ${mbtVersion} addWorkingTime`]: () => {
      const out = new Array(N)
      for (let i = 0; i < N; i++) out[i] = moment(STARTS[i]).addWorkingTime(HOURS[i], 'hours').toDate()
      return out
    },
  },
  between: {
    [`moment-business-time ${mbtVersion} workingDiff`]: () => {
      const out = new Array(N)
      for (let i = 0; i < N; i++) out[i] = moment(ENDS[i]).workingDiff(moment(STARTS[i]), 'milliseconds')
      return out
    },
  },
}

// Correctness first: every form agrees with the one-call form; moment's agreement is reported.
const due = ticketry.add['Ticketry add (one call per item)']().map((d) => d.getTime())
const biz = ticketry.between['Ticketry between (one call per item)']()
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])
if (!same(ticketry.add['Ticketry addMany (one batch call, Date[])']().map((d) => d.getTime()), due)) throw new Error('addMany disagrees')
if (!same(Array.from(ticketry.add['Ticketry addManyEpoch (one batch call, Float64Array)']()), due)) throw new Error('addManyEpoch disagrees')
if (!same(ticketry.between['Ticketry betweenMany (one batch call, Date[])'](), biz)) throw new Error('betweenMany disagrees')
if (!same(Array.from(ticketry.between['Ticketry betweenManyEpoch (one batch call, Float64Array)']()), biz)) throw new Error('betweenManyEpoch disagrees')
const mAdd = Object.values(momentLib.add)[0]().map((d) => d.getTime())
const mBetween = Object.values(momentLib.between)[0]()
const agreeAdd = mAdd.filter((x, i) => x === due[i]).length
// moment lands exactly on a closing time at the next opening instead (Ticketry's
// default is to stay at the close); count those as the same instant.
const nextOpen = due.map((d) => cal.nextOpen(new Date(d)).getTime())
const agreeAddModBoundary = mAdd.filter((x, i) => x === due[i] || x === nextOpen[i]).length
const agreeBetween = mBetween.filter((x, i) => x === biz[i]).length

const sumDue = due.reduce((s, x) => s + x / 1000, 0)
const sumBiz = biz.reduce((s, x) => s + x / 1000, 0)

console.log(`SLA workload: ${N} items, Europe/Berlin Mon-Fri 09-12 + 13-17, German holidays 2026-27`)
console.log(`addon build: ${process.env.TICKETRY_BUILD ?? 'release (use npx napi build --platform --release)'}; node ${process.version}`)
console.log(`Ticketry checksums: sum(due unix s) = ${sumDue}, sum(business s) = ${sumBiz}`)
console.log(`moment-business-time add: ${agreeAdd}/${N} identical to Ticketry, ${agreeAddModBoundary}/${N} up to the close/next-opening boundary convention`)
console.log(`moment-business-time between: ${agreeBetween}/${N} identical to Ticketry`)
console.log('')

const rows = []
for (const op of ['add', 'between']) {
  const ref = Object.entries(momentLib[op])[0]
  const refRate = measure(ref[1])
  rows.push([op, ref[0], refRate, 1])
  for (const [name, fn] of Object.entries(ticketry[op])) {
    const rate = measure(fn)
    rows.push([op, name, rate, rate / refRate])
  }
}
const w = Math.max(...rows.map((r) => r[1].length))
console.log(`${'op'.padEnd(8)} ${'implementation'.padEnd(w)} ${'ops/s'.padStart(14)}  ×moment`)
for (const [op, name, rate, ratio] of rows) {
  console.log(`${op.padEnd(8)} ${name.padEnd(w)} ${Math.round(rate).toLocaleString('en-US').padStart(14)}  ${ratio.toFixed(1).padStart(6)}×`)
}
