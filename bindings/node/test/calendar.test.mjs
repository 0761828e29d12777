// The Calendar class: construction, single calls, batch forms and errors.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Calendar, Helpdesk, ManualClock } from '../index.js'
import { rejectsWith, H } from './helpers.mjs'

const JSON_CAL = JSON.stringify({
  timezone: 'Europe/Berlin',
  weekly: {
    mon: [['09:00', '12:00'], ['13:00', '17:00']],
    tue: [['09:00', '12:00'], ['13:00', '17:00']],
    wed: [['09:00', '12:00'], ['13:00', '17:00']],
    thu: [['09:00', '12:00'], ['13:00', '17:00']],
    fri: [['09:00', '12:00'], ['13:00', '17:00']],
  },
  holidays: ['2026-04-03', '2026-04-06'],
  recurring_holidays: ['12-25'],
  partial_holidays: [{ date: '2026-12-31', from: '12:00', to: '24:00' }],
  extra_windows: [{ date: '2026-12-19', from: '09:00', to: '13:00' }],
})
const d = (s) => new Date(s)

describe('Calendar', () => {
  const cal = Calendar.fromJson(JSON_CAL)

  it('parses the JSON shape and exposes its config', () => {
    assert.equal(cal.timezone, 'Europe/Berlin')
    assert.ok(cal.memoryBytes > 0 && cal.memoryBytes < 50 * 1024)
    const cfg = cal.config
    assert.deepEqual(cfg.weekly.mon, [['09:00', '12:00'], ['13:00', '17:00']])
    assert.equal(cfg.weekly.sat, undefined)
    assert.deepEqual(cfg.holidays, ['2026-04-03', '2026-04-06'])
    assert.deepEqual(cfg.recurringHolidays, ['12-25'])
    assert.deepEqual(cfg.partialHolidays, [{ date: '2026-12-31', from: '12:00', to: '24:00' }])
    assert.deepEqual(cfg.extraWindows, [{ date: '2026-12-19', from: '09:00', to: '13:00' }])
    assert.deepEqual(JSON.parse(cal.toJson()), JSON.parse(JSON_CAL))
    const again = Calendar.fromConfig(cfg)
    assert.equal(again.toJson(), cal.toJson())
    const next = Calendar.fromConfig({ ...cfg, boundary: 'next_opening' })
    assert.equal(next.config.boundary, 'next_opening')
    // 09:00 + 3 h lands on the 12:00 close: stays, or moves to 13:00.
    assert.equal(cal.add(d('2026-03-02T08:00:00Z'), 3 * H).toISOString(), '2026-03-02T11:00:00.000Z')
    assert.equal(next.add(d('2026-03-02T08:00:00Z'), 3 * H).toISOString(), '2026-03-02T12:00:00.000Z')
  })

  it('adds business time, counts it, and finds openings', () => {
    // Sunday evening + 1 h = Monday 10:00 Berlin.
    assert.equal(cal.add(d('2026-03-01T19:00:00Z'), H).toISOString(), '2026-03-02T09:00:00.000Z')
    // Over a holiday weekend (Good Friday, Easter Monday).
    assert.equal(cal.add(d('2026-04-02T14:00:00Z'), 2 * H).toISOString(), '2026-04-07T08:00:00.000Z')
    // Fractional milliseconds survive.
    assert.equal(cal.add(d('2026-03-02T08:00:00Z'), 1.5).getTime(), d('2026-03-02T08:00:00Z').getTime() + 1)
    assert.equal(cal.add(d('2026-03-02T08:00:00Z'), -5).toISOString(), '2026-03-02T08:00:00.000Z', 'negative durations count as zero')
    assert.equal(cal.tryAdd(d('2026-03-02T08:00:00Z'), H).toISOString(), '2026-03-02T09:00:00.000Z')
    assert.equal(cal.between(d('2026-03-02T08:00:00Z'), d('2026-03-03T08:00:00Z')), 7 * H)
    assert.equal(cal.between(d('2026-03-03T08:00:00Z'), d('2026-03-02T08:00:00Z')), 0)
    assert.equal(cal.isOpen(d('2026-03-02T08:30:00Z')), true)
    assert.equal(cal.isOpen(d('2026-03-02T11:30:00Z')), false)
    assert.equal(cal.nextOpen(d('2026-03-02T11:30:00Z')).toISOString(), '2026-03-02T12:00:00.000Z')
    assert.equal(cal.nextClose(d('2026-03-02T08:30:00Z')).toISOString(), '2026-03-02T11:00:00.000Z')
    assert.equal(cal.nextClose(d('2026-03-02T11:30:00Z')).toISOString(), '2026-03-02T11:30:00.000Z')
    const segs = cal.addSegments(d('2026-03-02T10:00:00Z'), 3 * H)
    assert.deepEqual(segs.map((s) => [s.start.toISOString(), s.end.toISOString()]), [
      ['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z'],
      ['2026-03-02T12:00:00.000Z', '2026-03-02T14:00:00.000Z'],
    ])
    assert.deepEqual(cal.addSegments(d('2026-03-02T10:00:00Z'), 0), [])
    assert.deepEqual(cal.holidaysBetween(d('2026-04-01T00:00:00Z'), d('2026-04-10T00:00:00Z')), ['2026-04-03', '2026-04-06'])
  })

  it('builds with an explicit window and tells its boundary and range', () => {
    assert.equal(cal.boundary, 'stay_at_close')
    const range = cal.precomputedRange
    assert.ok(range.start instanceof Date && range.end > range.start)
    const slow = Calendar.withWindow(JSON_CAL, '2030-01-01', 0)
    assert.equal(slow.precomputedRange, null)
    const windowed = Calendar.withWindow(cal.config, '2026-01-01', 365)
    assert.equal(windowed.precomputedRange.start.toISOString(), '2026-01-01T00:00:00.000Z')
    for (const [s, ms] of [['2026-03-01T19:00:00Z', H], ['2026-04-02T14:00:00Z', 2 * H], ['2026-12-30T15:00:00Z', 9 * H]]) {
      const want = cal.add(d(s), ms).getTime()
      assert.equal(slow.add(d(s), ms).getTime(), want)
      assert.equal(windowed.add(d(s), ms).getTime(), want)
    }
    assert.equal(Calendar.alwaysOpen().precomputedRange, null)
    assert.equal(Calendar.isBreached(d('2026-03-02T11:00:00Z'), d('2026-03-02T11:00:00Z')), false)
    assert.equal(Calendar.isBreached(d('2026-03-02T11:00:00Z'), d('2026-03-02T11:00:00.001Z')), true)
  })

  it('handles calendars without business time', () => {
    const never = Calendar.fromJson('{"timezone":"UTC","weekly":{}}')
    assert.equal(never.add(d('2026-01-01T00:00:00Z'), H), null)
    assert.equal(never.nextOpen(d('2026-01-01T00:00:00Z')), null)
    assert.equal(never.addSegments(d('2026-01-01T00:00:00Z'), H), null)
    assert.throws(() => never.tryAdd(d('2026-01-01T00:00:00Z'), H), (e) => e.code === 'invalid_input' && e.field === 'calendar')
    const always = Calendar.alwaysOpen()
    assert.equal(always.timezone, 'UTC')
    assert.equal(always.add(d('2026-01-01T00:00:00Z'), 30 * H).toISOString(), '2026-01-02T06:00:00.000Z')
    assert.equal(always.nextClose(d('2026-01-01T00:00:00Z')), null)
  })

  it('has batch forms over arrays and Float64Arrays', () => {
    const starts = [d('2026-03-01T19:00:00Z'), d('2026-03-02T08:00:00Z'), d('2026-04-02T14:00:00Z')]
    const durs = [H, 3 * H, 2 * H]
    const single = starts.map((s, i) => cal.add(s, durs[i]).getTime())
    assert.deepEqual(cal.addMany(starts, durs).map((x) => x.getTime()), single)
    const fast = cal.addManyEpoch(Float64Array.from(starts, (s) => s.getTime()), Float64Array.from(durs))
    assert.ok(fast instanceof Float64Array)
    assert.deepEqual(Array.from(fast), single)
    const ends = starts.map((s) => new Date(s.getTime() + 48 * H))
    const between = starts.map((s, i) => cal.between(s, ends[i]))
    assert.deepEqual(cal.betweenMany(starts, ends), between)
    assert.deepEqual(Array.from(cal.betweenManyEpoch(Float64Array.from(starts, (s) => s.getTime()), Float64Array.from(ends, (e) => e.getTime()))), between)
    const never = Calendar.fromJson('{"timezone":"UTC","weekly":{}}')
    assert.deepEqual(never.addMany([starts[0]], [H]), [null])
    assert.ok(Number.isNaN(never.addManyEpoch(Float64Array.of(0), Float64Array.of(H))[0]))
    assert.deepEqual(cal.addMany([], []), [])
  })

  it('throws invalid_input naming the field', async () => {
    await rejectsWith(() => Calendar.fromJson('{"timezone":"UTC","weekly":{"mon":[["12:00","09:00"]]}}'), 'invalid_input', 'weekly.mon[0]')
    await rejectsWith(() => Calendar.fromJson('{"timezone":"Mars/Olympus","weekly":{}}'), 'invalid_input', 'timezone')
    await rejectsWith(() => Calendar.fromJson('{"timezone":"UTC","weekly":{},"colour":"red"}'), 'invalid_input', 'colour')
    await rejectsWith(() => Calendar.fromJson('not json'), 'invalid_input', 'calendar')
    await rejectsWith(() => Calendar.fromConfig({ timezone: 'UTC', weekly: {}, holidays: ['2026-02-30'] }), 'invalid_input', 'holidays[0]')
    await rejectsWith(() => Calendar.fromConfig({ timezone: 'UTC', weekly: {}, boundary: 'up' }), 'invalid_input', 'boundary')
    await rejectsWith(() => Calendar.withWindow(JSON_CAL, '2026-13-01', 10), 'invalid_input', 'firstDay')
    await rejectsWith(() => Calendar.withWindow('{"timezone":"UTC"}', '2026-01-01', 10), 'invalid_input', 'weekly')
    await rejectsWith(() => cal.tryAdd(d('2026-03-02T08:00:00Z'), -1), 'invalid_input', 'durationMs')
    await rejectsWith(() => cal.add(d('2026-03-02T08:00:00Z'), Number.NaN), 'invalid_input', 'durationMs')
    await rejectsWith(() => cal.addMany([d('2026-03-02T08:00:00Z')], []), 'invalid_input', 'arrays')
    await rejectsWith(() => cal.betweenMany([], [d('2026-03-02T08:00:00Z')]), 'invalid_input', 'arrays')
    await rejectsWith(() => cal.addManyEpoch(Float64Array.of(Number.NaN), Float64Array.of(1)), 'invalid_input', 'starts[0]')
    await rejectsWith(() => cal.addManyEpoch(Float64Array.of(0, 0), Float64Array.of(1, Infinity)), 'invalid_input', 'durationsMs[1]')
    await rejectsWith(() => cal.betweenManyEpoch(Float64Array.of(0, 0), Float64Array.of(0, Number.NaN)), 'invalid_input', 'ends[1]')
    await rejectsWith(() => cal.betweenManyEpoch(Float64Array.of(1, 2), Float64Array.of(1)), 'invalid_input', 'arrays')
  })

  it('tells the kind of a calendar error, as Python does', () => {
    const cases = [
      [() => Calendar.fromJson('{"timezone":"Mars/Olympus","weekly":{}}'), 'timezone', 'unknown_time_zone'],
      [() => Calendar.fromConfig({ timezone: 'UTC', weekly: { mon: [['09:00', '12:00'], ['11:00', '17:00']] } }), 'weekly.mon[1]', 'overlapping_intervals'],
      [() => Calendar.fromJson('not json'), 'calendar', 'syntax'],
      [() => Calendar.withWindow('{"timezone":"UTC","weekly":{},"colour":1}', '2026-01-01', 1), 'colour', 'unknown_field'],
      [() => cal.tryAdd(d('2026-03-02T08:00:00Z'), -1), 'durationMs', 'negative_duration'],
      [() => cal.addSegments(d('2026-03-02T08:00:00Z'), 367 * 86400000), 'durationMs', 'too_large'],
      [() => Calendar.fromJson('{"timezone":"UTC","weekly":{}}').tryAdd(d('2026-03-02T08:00:00Z'), H), 'calendar', 'no_business_time'],
    ]
    for (const [call, field, kind] of cases) {
      assert.throws(call, (e) => e.code === 'invalid_input' && e.field === field && e.kind === kind && e.message.endsWith(e.reason))
    }
  })

  it('rejects invalid Dates with invalid_input naming the argument (never the epoch)', async () => {
    const ok = d('2026-03-02T08:00:00Z')
    const bad = new Date('x')
    assert.ok(Number.isNaN(bad.getTime()))
    await rejectsWith(() => cal.add(bad, 1000), 'invalid_input', 'start')
    await rejectsWith(() => cal.tryAdd(bad, H), 'invalid_input', 'start')
    await rejectsWith(() => cal.addSegments(new Date(Number.NaN), H), 'invalid_input', 'start')
    await rejectsWith(() => cal.between(bad, ok), 'invalid_input', 'a')
    await rejectsWith(() => cal.between(ok, bad), 'invalid_input', 'b')
    await rejectsWith(() => cal.holidaysBetween(ok, bad), 'invalid_input', 'b')
    await rejectsWith(() => cal.isOpen(bad), 'invalid_input', 't')
    await rejectsWith(() => cal.nextOpen(bad), 'invalid_input', 't')
    await rejectsWith(() => cal.nextClose(bad), 'invalid_input', 't')
    await rejectsWith(() => Calendar.isBreached(bad, ok), 'invalid_input', 'due')
    await rejectsWith(() => Calendar.isBreached(ok, bad), 'invalid_input', 'at')
    await rejectsWith(() => Calendar.alwaysOpen().add(bad, 0), 'invalid_input', 'start')
    // Arrays: the offending element is named.
    await rejectsWith(() => cal.addMany([ok, bad], [H, H]), 'invalid_input', 'starts[1]')
    await rejectsWith(() => cal.betweenMany([ok, ok], [ok, bad]), 'invalid_input', 'ends[1]')
    await rejectsWith(() => cal.betweenMany([bad], [ok]), 'invalid_input', 'starts[0]')
    // The largest JS Date is beyond the instants the core represents.
    await rejectsWith(() => cal.add(new Date(8.64e15), H), 'invalid_input', 'start')
    await rejectsWith(() => cal.isOpen(new Date(-8.64e15)), 'invalid_input', 't')
    // Far but representable instants still work.
    assert.ok(cal.add(new Date(8e15), H) instanceof Date)
  })

  it('refuses arguments of the wrong type with invalid_input naming them, as every call does', async () => {
    const ok = d('2026-03-02T08:00:00Z')
    const cases = [
      [() => cal.add('2026-03-02T08:00:00Z', H), 'start', 'a Date, got string'],
      [() => cal.isOpen(null), 't', 'a Date, got null'],
      [() => cal.between(ok, 1), 'b', 'a Date, got number'],
      [() => cal.add(ok, '60000'), 'durationMs', 'a number, got string'],
      [() => cal.tryAdd(ok, undefined), 'durationMs', 'a number, got undefined'],
      [() => Calendar.fromJson(42), 'json', 'a string, got number'],
      [() => Calendar.withWindow(JSON_CAL, 20260101, 10), 'firstDay', 'a string, got number'],
      [() => Calendar.withWindow(JSON_CAL, '2026-01-01', '10'), 'days', 'a number, got string'],
      [() => cal.addMany(ok, [H]), 'starts', 'an array, got object'],
      [() => cal.addMany([ok, ok], [H, '1']), 'durationsMs[1]', 'a number, got string'],
      [() => cal.betweenMany([ok], [{}]), 'ends[0]', 'a Date, got object'],
      [() => cal.addManyEpoch([0], Float64Array.of(H)), 'starts', 'a Float64Array, got object'],
      [() => cal.betweenManyEpoch(Float64Array.of(0), 'x'), 'ends', 'a Float64Array, got string'],
      [() => new ManualClock('2026-01-01'), 'start', 'a Date, got string'],
      [() => new ManualClock(ok).advance('1'), 'ms', 'a number, got string'],
      [() => new ManualClock(ok).set(0), 'at', 'a Date, got number'],
      [() => new ManualClock(new Date('1969-12-31T23:59:59Z')), 'start', 'supported range'],
      [() => new ManualClock(ok).set(new Date('+010000-01-01T00:00:00Z')), 'at', 'supported range'],
      [() => Helpdesk.inMemory({ clok: new ManualClock(ok) }), 'clok', 'unknown key'],
      [() => Helpdesk.inMemory({ clock: ok }), 'clock', 'a ManualClock'],
      [() => Helpdesk.inMemory({ clock: cal }), 'clock', 'a ManualClock'],
      [() => Helpdesk.inMemory('fast'), 'options', 'a plain object, got string'],
      [() => Helpdesk.inMemory(ok), 'options', 'a plain object, got Date'],
      [() => Helpdesk.connect('memory:', [2]), 'options', 'a plain object, got Array'],
      [() => Helpdesk.inMemory().workspace(7), 'id', 'a string, got number'],
      [() => Helpdesk.connect(7), 'url', 'a string, got number'],
      [() => Helpdesk.connect('memory:', { maxConections: 2 }), 'maxConections', 'unknown key'],
      [() => Helpdesk.connect('memory:', { maxConnections: '2' }), 'maxConnections', 'a number, got string'],
      [() => Helpdesk.connect('memory:', { statementTimeoutMs: '1s' }), 'statementTimeoutMs', 'a number, got string'],
      [() => Helpdesk.connect('memory:', { temporary: 'yes' }), 'temporary', 'a boolean, got string'],
      [() => Helpdesk.connect('memory:', { maxConnections: 1e9 }), 'maxConnections', '1 to 1000'],
      [() => Helpdesk.connect('memory:', { statementTimeoutMs: 0.5 }), 'statementTimeoutMs', '1 ms'],
    ]
    for (const [call, field, words] of cases) {
      await rejectsWith(call, 'invalid_input', field)
      const err = await (async () => call())().then(() => null, (e) => e)
      assert.ok(err.reason.includes(words), `${field}: ${err.reason}`)
    }
    // Options that are right still work.
    const clock = new ManualClock(ok)
    assert.equal(Helpdesk.inMemory({ clock }).now().getTime(), ok.getTime())
    const desk = await Helpdesk.connect('memory:', { clock, statementTimeoutMs: null })
    assert.equal(desk.now().getTime(), ok.getTime())
    assert.equal(Helpdesk.inMemory(null).backend, 'memory')
  })
})
