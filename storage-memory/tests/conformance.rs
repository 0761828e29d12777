//! The core's conformance suite on the in-memory backend.

ticketry_core::conformance_suite!(async {
    std::sync::Arc::new(ticketry_memory::MemoryStore::new())
});
