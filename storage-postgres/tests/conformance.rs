//! The core's conformance suite on PostgreSQL, one fresh schema per case.

mod common;

ticketry_core::conformance_suite!(async {
    std::sync::Arc::new(common::store().await) as std::sync::Arc<dyn ticketry_core::store::Store>
});
