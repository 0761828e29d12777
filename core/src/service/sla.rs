//! SLA hooks of the service (filled by the SLA engine).

use super::Helpdesk;
use crate::error::Result;
use crate::ids::WorkspaceId;
use crate::people::Customer;
use crate::store::TicketWrite;
use crate::ticket::Ticket;

impl Helpdesk {
    pub(crate) async fn sla_on_create(
        &self,
        _ws: WorkspaceId,
        _t: &mut Ticket,
        _c: &Customer,
    ) -> Result<()> {
        Ok(())
    }
    pub(crate) async fn sla_on_change(
        &self,
        _ws: WorkspaceId,
        _before: &Ticket,
        _w: &mut TicketWrite,
    ) -> Result<()> {
        Ok(())
    }
}
