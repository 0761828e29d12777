//! SLA calendar throughput: `add` / `between` over the shared [`sla_workload`], single calls
//! and batch forms, plus calendar compile time.
//!
//! `cargo bench -p ticketry-benches --bench sla -- --warm-up-time 1 --measurement-time 3`
//!
//! Each `sla/*` iteration processes the 2000 workload items (`Throughput::Elements(2000)`), so
//! the per-item time is the reported time / 2000. The compiled calendar's `memory_bytes` and
//! result checksums (for the Python/Node comparison scripts) are printed first.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ticketry_benches::sla_workload::{self, N};
use ticketry_core::calendar::BusinessCalendar;

fn sla(c: &mut Criterion) {
    let cal = sla_workload::calendar();
    let adds = sla_workload::add_inputs();
    let ranges = sla_workload::between_inputs();
    let (due_sum, between_sum) = sla_workload::checksums(&cal);
    eprintln!(
        "calendar memory_bytes = {} (window {:?})",
        cal.memory_bytes(),
        cal.precomputed_range()
    );
    eprintln!("checksums: sum(due unix s) = {due_sum}, sum(between s) = {between_sum}");

    let mut g = c.benchmark_group("sla");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("add", |b| {
        b.iter(|| {
            for &(s, d) in &adds {
                black_box(cal.add(black_box(s), black_box(d)));
            }
        })
    });
    let mut out = Vec::with_capacity(N);
    g.bench_function("add_many", |b| {
        b.iter(|| {
            cal.add_many_into(black_box(&adds), &mut out);
            black_box(&out);
        })
    });
    g.bench_function("between", |b| {
        b.iter(|| {
            for &(s, e) in &ranges {
                black_box(cal.between(black_box(s), black_box(e)));
            }
        })
    });
    let mut out = Vec::with_capacity(N);
    g.bench_function("between_many", |b| {
        b.iter(|| {
            cal.between_many_into(black_box(&ranges), &mut out);
            black_box(&out);
        })
    });
    g.finish();

    // The exact out-of-window path: walks local days outside the precomputed window.
    let mut g = c.benchmark_group("sla_outside_window");
    let at = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let (y1990, y2000) = (at(1990).map(|t| t.and_utc()), at(2000).map(|t| t.and_utc()));
    if let (Some(a), Some(b)) = (y1990, y2000) {
        g.throughput(Throughput::Elements(3652));
        g.bench_function("between_1990_2000_per_day", |bch| {
            bch.iter(|| cal.between(black_box(a), black_box(b)))
        });
        g.throughput(Throughput::Elements(1));
        g.bench_function("add_8h_from_1995", |bch| {
            let t = a + chrono::TimeDelta::days(1900);
            bch.iter(|| cal.add(black_box(t), chrono::TimeDelta::hours(8)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("calendar");
    g.throughput(Throughput::Elements(1));
    g.bench_function("from_json", |b| {
        b.iter(|| BusinessCalendar::from_json(black_box(sla_workload::CALENDAR_JSON)))
    });
    g.finish();
}

criterion_group!(benches, sla);
criterion_main!(benches);
