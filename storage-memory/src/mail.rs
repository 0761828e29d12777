//! The mail log and the lookups that thread inbound mail.

use super::*;
use ticketry_core::mail::{InboundMail, InboundOutcome};
use ticketry_core::store::MailStore;

#[async_trait]
impl MailStore for MemoryStore {
    async fn get_inbound(&self, ws: WorkspaceId, key: &str) -> StoreResult<Option<InboundMail>> {
        self.with(ws, |d| {
            d.inbound_keys.get(key).map(|&i| d.inbound[i].clone())
        })
    }

    async fn save_inbound(&self, ws: WorkspaceId, mail: &InboundMail) -> StoreResult<InboundMail> {
        self.with_mut(ws, |d| {
            if let Some(&i) = d.inbound_keys.get(&mail.key) {
                if d.inbound[i].outcome.is_final() {
                    return Ok(d.inbound[i].clone());
                }
                if let Some(old) = d.inbound[i].from.clone()
                    && let Some(list) = d.inbound_from.get_mut(&old)
                {
                    list.retain(|&x| x != i);
                }
                d.inbound[i] = mail.clone();
                if let Some(f) = &mail.from {
                    d.inbound_from.entry(f.clone()).or_default().push(i);
                }
                return Ok(mail.clone());
            }
            let i = d.inbound.len();
            d.inbound.push(mail.clone());
            d.inbound_keys.insert(mail.key.clone(), i);
            if let Some(f) = &mail.from {
                d.inbound_from.entry(f.clone()).or_default().push(i);
            }
            Ok(mail.clone())
        })
    }

    async fn filed_mail(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> StoreResult<Option<(TicketId, MessageId, bool)>> {
        self.with(ws, |d| {
            if let Some(&(t, _)) = d.ticket_keys.get(key) {
                let row = &d.tickets[t as usize];
                return row.messages.first().map(|m| (row.ticket.id, m.id, true));
            }
            d.message_keys.get(key).map(|&(t, i)| {
                let row = &d.tickets[t as usize];
                (row.ticket.id, row.messages[i as usize].id, false)
            })
        })
    }

    async fn count_inbound_from(
        &self,
        ws: WorkspaceId,
        from: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.with(ws, |d| {
            d.inbound_from.get(from).map_or(0, |list| {
                list.iter()
                    .filter(|&&i| d.inbound[i].received_at >= since)
                    .count() as u64
            })
        })
    }

    async fn list_inbound(
        &self,
        ws: WorkspaceId,
        outcome: Option<InboundOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<InboundMail>> {
        self.with(ws, |d| {
            let mut all: Vec<&InboundMail> = d
                .inbound
                .iter()
                .filter(|m| outcome.is_none_or(|o| m.outcome == o))
                .collect();
            all.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.key.cmp(&a.key)));
            all.into_iter().take(limit).cloned().collect()
        })
    }

    async fn ticket_of_email(
        &self,
        ws: WorkspaceId,
        message_ids: &[String],
    ) -> StoreResult<Option<TicketId>> {
        self.with(ws, |d| {
            message_ids
                .iter()
                .filter_map(|id| d.email_ids.get(id.as_str()))
                .max()
                .map(|&(_, t)| d.tickets[t as usize].ticket.id)
        })
    }

    async fn customer_by_email(
        &self,
        ws: WorkspaceId,
        email: &str,
    ) -> StoreResult<Option<Customer>> {
        self.with(ws, |d| {
            d.customer_emails
                .get(&email.to_ascii_lowercase())
                .and_then(|ids| ids.iter().next())
                .and_then(|id| d.customers.get(id).cloned())
        })
    }
}
