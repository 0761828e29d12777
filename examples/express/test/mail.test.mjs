// The example's mail: messages sent over SMTP to its listener become tickets
// and replies; its notifications, sent with nodemailer, are caught by a local
// SMTP sink and answered like a mail client would. Memory and PostgreSQL.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { backends as backendsFor } from './backends.mjs'
import { randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { sendNotifications, startMailIn } from '../mail.mjs'

const backends = backendsFor('node_m')

/** A local SMTP sink: every message it receives, raw. */
async function sink() {
  const received = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = []
      stream.on('data', (c) => chunks.push(c))
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() })
        callback()
      })
    },
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { received, port: server.server.address().port, close: () => new Promise((r) => server.close(r)) }
}

const header = (raw, name) => raw.match(new RegExp(`^${name}: (.*)$`, 'mi'))?.[1].trim()

for (const backend of backends) {
  describe(`express example mail (${backend.name})`, () => {
    let desk, ws, mailIn, out, toListener, toSink
    before(async () => {
      desk = await backend.open()
      ws = await desk.createWorkspace({ name: 'Rides', slug: `mail-${randomBytes(4).toString('hex')}`, settings: { mail: { address: 'support@rides.example' } } })
      await ws.putCustomer({ id: 'alice', name: 'Alice', email: 'alice@example.com' })
      await ws.putAgent({ id: 'sam', name: 'Sam', email: 'sam@rides.example' })
      mailIn = await startMailIn({ workspace: ws, mailbox: 'support@rides.example', port: 0 })
      out = await sink()
      const smtp = (port) => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
      toListener = smtp(mailIn.port)
      toSink = smtp(out.port)
    })
    after(async () => {
      toListener.close()
      toSink.close()
      await mailIn.close()
      await out.close()
      await desk.close()
    })

    it('files mail sent over SMTP and threads the answer to a notification', async () => {
      await toListener.sendMail({
        from: 'Alice <alice@example.com>',
        to: 'support@rides.example',
        subject: 'Charged twice',
        text: 'My ride on Monday was charged twice.',
        messageId: '<ride-1@example.com>',
        attachments: [{ filename: 'receipt.txt', content: 'TOTAL 12.40' }],
      })
      const { items } = await ws.listTickets()
      assert.equal(items.length, 1)
      const t = items[0]
      assert.deepEqual([t.customer, t.channel, t.subject], ['alice', 'email', 'Charged twice'])
      const [m] = (await ws.thread(t.id)).messages
      assert.equal(m.body, 'My ride on Monday was charged twice.')
      assert.equal(mailIn.parts.get(m.attachments[0].storageKey).toString(), 'TOTAL 12.40')
      // The same message again (a retrying server): nothing new.
      await toListener.sendMail({ from: 'alice@example.com', to: 'support@rides.example', subject: 'Charged twice', text: 'again', messageId: '<ride-1@example.com>' })
      assert.equal((await ws.listTickets()).items.length, 1)

      // Notifications: Alice hears her ticket was opened, Sam of a new ticket.
      assert.equal(await sendNotifications({ workspace: ws, transport: toSink }), 2)
      const toAlice = out.received.find((r) => r.to.includes('alice@example.com'))
      assert.match(header(toAlice.raw, 'Subject'), new RegExp(t.number))
      assert.equal(header(toAlice.raw, 'Reply-To'), 'support@rides.example')
      assert.equal(header(toAlice.raw, 'Auto-Submitted'), 'auto-generated')
      assert.ok(out.received.some((r) => r.to.includes('sam@rides.example')))
      assert.equal(await sendNotifications({ workspace: ws, transport: toSink }), 0)

      await ws.reply(t.id, 'sam', 'Refunded, sorry about that.')
      assert.equal(await sendNotifications({ workspace: ws, transport: toSink }), 1)
      const reply = out.received.at(-1)
      assert.match(reply.raw, /Refunded, sorry about that\./)
      // Alice's mail client answers it.
      await toListener.sendMail({
        from: 'alice@example.com',
        to: 'support@rides.example',
        subject: 'Re: thanks',
        text: 'Thanks!\n\nOn Monday, Sam wrote:\n> Refunded, sorry about that.',
        inReplyTo: header(reply.raw, 'Message-ID'),
        references: header(reply.raw, 'Message-ID'),
      })
      const thread = await ws.thread(t.id)
      assert.deepEqual(thread.messages.map((x) => x.body), ['My ride on Monday was charged twice.', 'Refunded, sorry about that.', 'Thanks!'])
      // An out-of-office answer is recorded, not filed.
      await toListener.sendMail({ from: 'alice@example.com', to: 'support@rides.example', subject: 'Away', text: 'Back Monday', headers: { 'Auto-Submitted': 'auto-replied' } })
      assert.equal((await ws.inboundMail({ outcome: 'ignored' }))[0].reason, 'auto_reply')
      assert.equal((await ws.listTickets()).items.length, 1)
    })
  })
}
