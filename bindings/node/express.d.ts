/* Types of `ticketry/express` (express.js), written by hand: the support API
 * of seed 004 as an Express router over one `Helpdesk`.
 *
 * They need no `@types/express`: the router is declared as the middleware
 * function it is, and the request as the few members the router and its
 * hooks read. Express's own `Request` has them all: pass it as `Req`
 * (`supportRouter<Request, MyUser>(…)`, or annotate `identify`'s parameter)
 * to get it back in `identify`, `workspace` and `can`. */

import type { ErrorCode, Helpdesk, Ticket, Workspace } from './index'

/**
 * What a request asks to do, as the `can` hook sees it (the names the
 * Django app uses too).
 */
export type Action =
  | 'list_categories'
  | 'view_category'
  | 'open_ticket'
  | 'list_tickets'
  | 'view_ticket'
  | 'update_ticket'
  | 'list_messages'
  | 'rate_ticket'
  | 'view_stats'
  | 'add_message'
  | 'add_note'
  | 'view_message'
  | 'list_faqs'
  | 'view_faq'
  | 'vote_faq_helpful'
  | 'vote_faq_not_helpful'
  | 'suggest_faqs'
  | 'view_faq_deflection'

/** Every action, in the order of the endpoint table. */
export declare const ACTIONS: readonly Action[]

/** Ticketry's error codes → the HTTP statuses the router answers with. */
export declare const HTTP_STATUS: Readonly<Record<ErrorCode, number>>

/** The `code` of an error the router answers: Ticketry's, and its own. */
export type SupportErrorCode =
  | ErrorCode
  | 'not_authenticated'
  | 'forbidden'
  | 'method_not_allowed'
  | 'unsupported_media_type'

/** The JSON body of every error response. */
export interface SupportErrorBody {
  error: {
    code: SupportErrorCode
    message: string
    /** The offending field of an `invalid_input` error (`subject`, `body`), else `null`. */
    field: string | null
  }
}

/**
 * An error answered as `{"error": {code, message, field}}` with `status`:
 * throw it from `identify`, `workspace` or `can` to refuse a request your way
 * (`new HttpError(400, 'invalid_input', 'bad role', 'X-User-Role')`).
 */
export declare class HttpError extends Error {
  constructor(status: number, code: string, message: string, field?: string | null)
  readonly status: number
  readonly code: string
  readonly field: string | null
}

/** The members of an Express request the router and its hooks read. */
export interface SupportRequest {
  readonly method: string
  /** The path under the router's mount point. */
  readonly path: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The parsed JSON body, once the router has read it. */
  readonly body?: unknown
  /** A request header, case-insensitively. */
  get(name: string): string | undefined
}

/** The caller, as `identify` describes them. */
export interface SupportUser {
  /** The host's user id (a number becomes its string); the Ticketry customer (and agent) id. */
  id: string | number
  /** Display name (default: the id). */
  name?: string | null
  /** E-mail address. */
  email?: string | null
  /** Support staff (an agent): sees every ticket, replies, notes, updates. Only `true` counts. */
  staff?: boolean
}

/** What the `can` hook is told about a request the built-in rules allowed. */
export interface PermissionContext<Req extends SupportRequest = SupportRequest, U extends SupportUser = SupportUser> {
  req: Req
  /** What `identify` returned. */
  user: U
  workspace: Workspace
  /** The ticket the action is about (ticket and message actions). */
  ticket?: Ticket
}

type OrPromise<T> = T | PromiseLike<T>

/** The options of `supportRouter`. */
export interface SupportRouterOptions<Req extends SupportRequest = SupportRequest, U extends SupportUser = SupportUser> {
  /** The help desk (memory or PostgreSQL). */
  desk: Helpdesk
  /**
   * The workspace: a slug (default `support`; created on first use when
   * missing), or, for multi-tenant hosts, a function of the request
   * returning a slug (which must exist) or a `Workspace` handle.
   */
  workspace?: string | ((req: Req) => OrPromise<string | Workspace>)
  /** The name of the workspace the router creates for a `workspace` slug (default: the slug). */
  workspaceName?: string
  /** Who is calling; `null` or `undefined` for an anonymous caller (401 `not_authenticated`). Required. */
  identify: (req: Req) => OrPromise<U | null | undefined>
  /**
   * Called for every action the built-in rules allowed: `false` refuses it
   * (403 `forbidden`); anything else keeps the built-in decision.
   */
  can?: (action: Action, ctx: PermissionContext<Req, U>) => OrPromise<boolean | void>
  /** Largest JSON body, in bytes or as `'1mb'`, `'100kb'` (default `'1mb'`; larger: 413). */
  bodyLimit?: number | string
  /** Told every error answered with a 5xx status (default: `console.error`). */
  onError?: (err: unknown, req: Req) => void
}

/** An Express router: a middleware function for `app.use(path, router)`. */
export interface SupportRouter {
  (req: SupportRequest, res: unknown, next: (err?: unknown) => void): void
}

/**
 * The support API as an Express router (`app.use('/api/support', router)`).
 * Throws a `TypeError` for missing or malformed options (`identify` above all).
 */
export declare function supportRouter<Req extends SupportRequest = SupportRequest, U extends SupportUser = SupportUser>(
  options: SupportRouterOptions<Req, U>,
): SupportRouter

/**
 * The workspace with this slug, created (with `name`, default the slug) when
 * missing; a concurrent creator is tolerated.
 */
export declare function ensureWorkspace(desk: Helpdesk, slug: string, name?: string): Promise<Workspace>
