import { SaveError } from '../domain.js';
import { hang, json, type Reply } from '../http.js';
import { castObjectId } from '../ids.js';
import { paginate, queryFilter, sortBy, sortDirection } from '../query.js';
import type { EventDoc } from '../store.js';
import { eventView, userSelectedView, userView } from '../views.js';
import { bodyObject, callerOf, guard, isNotEmpty, type RouteContext, validationError } from './context.js';

/** The real list's fixed page size: `?limit=` is not read. */
const EVENTS_PER_PAGE = 40;

/**
 * `/<pid>/events` (`pubmodules/events/eventRoute.js`, mounted after every other project route). Each route carries
 * its own middleware, so a method or path without a route falls through to Express's 404 before authentication.
 */
export function eventRoutes(ctx: RouteContext, rest: string[]): Reply | undefined {
  if (rest.length === 0 && ctx.method === 'POST') return guard(ctx, 'guest', true) ?? postEvent(ctx);
  if (rest.length === 0 && ctx.method === 'GET') return guard(ctx, 'agent', false) ?? listEvents(ctx);
  if (rest.length === 1 && ctx.method === 'GET') return guard(ctx, 'agent', false) ?? getEvent(ctx, rest[0]!);
  return undefined;
}

/** `POST /`: any member, guests included. The event belongs to the caller's project_user and is published on its topic. */
function postEvent(ctx: RouteContext): Reply {
  const body = bodyObject(ctx);
  // `check('name').notEmpty()` runs after the role check; nothing else of the body is validated.
  if (!isNotEmpty(body.name)) return json(422, { errors: [validationError(body.name, 'name')] });
  const caller = callerOf(ctx);
  try {
    const event = ctx.domain.createEvent(
      {
        name: body.name,
        attributes: body.attributes,
        projectId: ctx.projectId!,
        // Undefined when the caller passed the role check without a membership: the event is then never published.
        projectUser: ctx.projectUser?._id,
        createdBy: caller.id,
      },
      requestUser(ctx),
    );
    // The answer is the saved document; only the live frame is populated.
    return json(200, eventView(event));
  } catch (error) {
    // `error: err.message` of the Mongoose ValidationError: "event validation failed: name: Cast to string failed…".
    if (error instanceof SaveError) return json(500, { success: false, msg: 'Error saving the event', error: String(error.json.message ?? error.message) });
    throw error;
  }
}

/** `req.user` as the live frame carries it: what the authentication strategy loaded. */
function requestUser(ctx: RouteContext): unknown {
  const caller = callerOf(ctx);
  if (caller.user) {
    if (!caller.basic) return userView(caller.user);
    // passport's Basic strategy selects 'email firstname lastname password emailverified id': the hash comes along.
    return { ...userSelectedView(caller.user), password: ctx.store.passwordHashFor(caller.user._id) };
  }
  // Guests and external users are their decorated token payload (`id`, `fullName` and the JWT claims).
  return caller.payload ? { ...caller.payload } : { _id: caller._id, id: caller.id };
}

/** `GET /` (agent+): `{perPage: 40, count, events}`, newest first unless `sort`/`direction` say otherwise. */
function listEvents(ctx: RouteContext): Reply {
  const q = ctx.query;
  // `page * limit` in JavaScript: a non-numeric page is NaN, which the database ignores like a negative skip.
  const skip = (q.page ? Number(q.page) : 0) * EVENTS_PER_PAGE;
  // `.sort()` validates the direction synchronously (a throw, 500), before the query's casts run.
  const direction = q.direction ? sortDirection(q.direction) : -1;
  const field = q.sort ? String(q.sort) : 'createdAt';
  let matches = (_event: EventDoc) => true;
  if (q.project_user) {
    try {
      const filter = queryFilter(q.project_user, 'ObjectId', 'project_user', 'event');
      matches = (event) => filter(event.project_user);
    } catch {
      // The failed query reaches a callback that returns without answering.
      return hang();
    }
  }
  const events = ctx.store.eventsOf(ctx.projectId!).filter((event) => matches(event));
  const page = paginate(sortBy(events, field, direction), skip, EVENTS_PER_PAGE);
  return json(200, { perPage: EVENTS_PER_PAGE, count: events.length, events: page.map(eventView) });
}

/** `GET /:eventid` (agent+): `findById`, so an event of any project is found. */
function getEvent(ctx: RouteContext, rawId: string): Reply {
  const id = castObjectId(rawId);
  if (!id) return json(500, { success: false, msg: 'Error getting object.' });
  const event = ctx.store.eventsById.get(id);
  return event ? json(200, eventView(event)) : json(404, { success: false, msg: 'Object not found.' });
}
