//! The backend conformance suite (feature `testing`).
//!
//! Every storage backend runs the same cases with
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```text
//! ticketry_core::conformance_suite!(async { std::sync::Arc::new(MyStore::new()) as _ });
//! ```
//!
//! Each case gets a fresh store from the expression and panics on failure.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod automation;
mod fidelity;
mod fixture;
mod hostile;
mod import;
mod kb;
mod mail;
mod merge;
mod metrics;
mod operations;
mod schedule;
mod search;
mod sla;
mod tickets;

pub use automation::*;
pub use fidelity::*;
pub use fixture::Fixture;
pub use hostile::*;
pub use import::*;
pub use kb::*;
pub use mail::*;
pub use merge::*;
pub use metrics::*;
pub use operations::*;
pub use schedule::*;
pub use search::*;
pub use sla::*;
pub use tickets::*;

/// Expands to one `#[tokio::test]` per conformance case, each on a fresh
/// store made by `$make` (an expression evaluating to a future of
/// `Arc<dyn Store>`). The calling crate needs `tokio` (with `macros` and
/// `rt-multi-thread`) as a dev-dependency.
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@cases $make;
            status_transitions,
            email_corpus_gives_the_documented_outcomes,
            concurrent_deliveries_make_one_message,
            unknown_senders_and_floods_are_held_back,
            a_25_mb_message_is_filed_with_its_attachment,
            deeply_nested_mail_is_refused,
            a_reply_to_a_notification_lands_on_its_ticket,
            notification_templates_per_workspace_and_language,
            hostile_mail_is_filed_or_held_never_broken,
            mail_filed_before_its_record_is_a_duplicate,
            notification_batches_are_bounded_and_lose_nothing,
            a_huge_imported_thread_imports_and_stays_searchable,
            import_errors_name_the_same_offender,
            reopen_window,
            concurrent_numbering,
            tenant_isolation,
            bad_input_changes_nothing,
            events_per_operation,
            event_cursor_sees_each_once,
            thread_views_hide_notes,
            idempotent_open_and_message,
            optimistic_concurrency,
            concurrent_updates_lose_nothing,
            listing_filters_and_pagination,
            templates_render_and_count,
            catalog_rules,
            assignment_history,
            ticket_stats,
            urgency_queue_order,
            editing_description_keeps_the_thread,
            sla_clocks_follow_the_ticket,
            sla_pause_and_resume,
            sla_next_response_from_oldest_unanswered,
            sla_next_response_breach_stays_on_record,
            sla_priority_change_keeps_consumed,
            sla_sweep_is_idempotent,
            sla_sweep_concurrent_emits_once,
            sla_policy_with_calendar,
            sla_due_past_the_last_instant_is_none,
            sla_policy_switch_keeps_time_used_on_its_calendar,
            sla_target_gone_for_a_while_keeps_the_clock,
            sla_void_clock_restarts_with_its_time,
            sla_next_response_after_a_resolve_counts_from_the_new_message,
            timers_due_past_the_last_instant_are_none,
            hostile_templates_change_nothing,
            hostile_input_changes_nothing,
            lookups_holding_nul_find_nothing,
            tags_and_links_are_capped_on_every_path,
            actors_are_checked,
            idempotency_keys_bind_their_request,
            numbers_and_documents_round_trip,
            thread_pages,
            messages_by_id,
            nested_categories_inherit_routing,
            priorities_describe_and_retire,
            teams_have_an_address_and_retire,
            templates_have_subjects_categories_and_authors,
            tickets_keep_their_source,
            messages_name_unregistered_senders,
            attachments_by_url,
            ticket_numbers_as_short_tokens,
            categories_have_codes_and_priorities_a_display_order,
            updates_change_several_fields_at_once,
            queue_filters_of_the_seeds,
            bulk_updates_report_each_ticket,
            bulk_changes_a_thousand_tickets,
            dashboard_counts_today_in_the_workspace_zone,
            tickets_export_as_csv,
            rules_route_by_words_and_category,
            auto_reply_names_the_new_number,
            rules_run_in_order_stop_and_never_loop,
            rule_actions_that_cannot_apply_are_skipped,
            bad_rules_change_nothing,
            sla_breach_escalates_to_the_policy_team,
            rules_and_sla_agree,
            a_breach_found_by_any_change_escalates,
            round_robin_spreads_tickets_evenly,
            least_loaded_never_exceeds_capacity,
            backlog_drains_fifo_within_priority,
            presets_fire_once_at_their_instant,
            business_hours_timers_cross_weekend_and_dst,
            reminders_repeat_while_overdue,
            bad_time_rules_change_nothing,
            auto_reply_promises_the_due_time_in_the_customers_zone,
            incidents_set_the_status_and_hold_linked_tickets,
            resolving_an_incident_replies_once_per_ticket,
            bad_incident_input_changes_nothing,
            access_requests_follow_their_workflow,
            access_requests_expire_on_time,
            open_access_requests_are_limited_per_customer,
            health_answers,
            search_finds_words_in_both_languages,
            odd_searches_are_refused_or_find_nothing,
            search_ranks_by_relevance_and_finds_customers,
            knowledge_base_articles_in_two_languages,
            kb_excerpts_leave_out_hidden_text,
            suggestions_record_deflection,
            metrics_match_a_week_computed_by_hand,
            merging_copies_the_thread_and_closes_the_source,
            concurrent_merges_copy_once,
            bad_knowledge_base_input_changes_nothing,
            a_rule_since_the_last_update_fires_once,
            imported_history_equals_the_lived_one,
            bad_imports_change_nothing
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: ::std::sync::Arc<dyn $crate::store::Store> = $make.await;
                $crate::testing::$case(store).await;
            }
        )*
    };
}
