// E-mail for the example (seed 004 notifies users and staff on every step):
//
// - `startMailIn` listens for SMTP on 127.0.0.1 (the `smtp-server` package;
//   point your MTA's transport for the support address at it) and files every
//   message with Ticketry's `ingestEmail`: new tickets, replies threaded onto
//   theirs, auto-replies and bounces recorded without a ticket. Attachments
//   are handed to `storePart` with the storage key Ticketry recorded.
// - `sendNotifications` sends what Ticketry's event log says to send, with
//   `nodemailer`, threading headers included, and acknowledges each batch.

import { SMTPServer } from 'smtp-server'

/** Bytes of a mail stream, refusing more than `limit`. */
function collect(stream, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    stream.on('data', (c) => {
      size += c.length
      if (size <= limit) chunks.push(c)
    })
    stream.on('end', () => (size > limit ? reject(Object.assign(new Error('message too large'), { responseCode: 552 })) : resolve(Buffer.concat(chunks))))
    stream.on('error', reject)
  })
}

/**
 * Starts an SMTP listener that files each message it receives into
 * `workspace`. Resolves to `{ server, port, close() }` once listening.
 * `storePart(part)` keeps an attachment's bytes (`part.content`, a Buffer)
 * under `part.storageKey`; by default they are kept in memory in `parts`.
 * Errors: bad mail is refused permanently (SMTP 554), a storage failure
 * temporarily (451), so the sending server retries; a retry is recognised
 * and files nothing twice.
 */
export async function startMailIn({ workspace, mailbox, host = '127.0.0.1', port = 2525, storePart, onFiled = () => {} }) {
  const parts = new Map()
  const keep = storePart || (async (p) => parts.set(p.storageKey, p.content))
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: 50 * 1024 * 1024,
    logger: false,
    async onData(stream, session, callback) {
      try {
        const raw = await collect(stream, 50 * 1024 * 1024)
        const filed = await workspace.ingestEmail(raw, mailbox ? { mailbox } : {})
        for (const p of filed.parts) await keep(p)
        onFiled(filed)
        // Over the sender's hourly rate: the sending server retries later,
        // when it is evaluated again.
        if (filed.record.outcome === 'rate_limited') {
          callback(Object.assign(new Error('too many messages, try later'), { responseCode: 451 }))
        } else {
          callback()
        }
      } catch (e) {
        const code = e.responseCode || (e.code === 'invalid_input' ? 554 : 451)
        callback(Object.assign(new Error(e.message), { responseCode: code }))
      }
    },
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  return {
    server,
    parts,
    port: server.server.address().port,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/**
 * Sends the notifications due in `workspace` through a nodemailer
 * `transport` and acknowledges them, batch by batch. Returns how many were
 * sent. A message the transport refuses goes to `onError` and is skipped;
 * a process that dies midway leaves the batch unacknowledged, and the next
 * run sends it again with the same Message-IDs.
 */
export async function sendNotifications({ workspace, transport, from = 'support@example.com', onError = (n, e) => console.error(`notification ${n.id} to ${n.to.email}:`, e.message) }) {
  let sent = 0
  for (;;) {
    const batch = await workspace.notifications({ limit: 100 })
    for (const n of batch.notifications) {
      const { 'Message-ID': messageId, 'In-Reply-To': inReplyTo, References: references, 'Reply-To': replyTo, ...headers } = n.headers
      // One the transport refuses (a bad address) is reported and skipped:
      // it must not hold back every later one.
      try {
        await transport.sendMail({
          from: n.from || from,
          to: n.to.name ? { name: n.to.name, address: n.to.email } : n.to.email,
          subject: n.subject,
          text: n.text,
          html: n.html,
          messageId,
          inReplyTo,
          references,
          replyTo,
          headers,
        })
        sent += 1
      } catch (e) {
        onError(n, e)
      }
    }
    await workspace.ackNotifications(batch.cursor)
    if (!batch.more) return sent
  }
}
