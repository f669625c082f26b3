// The public `page` and `context` objects: routing (routeWebSocket, ...) and inspection (on("websocket"), ...)
// on one object per scope. The routing objects are extended in place, so every importer sees the same object.
import { context as routingContext, page as routingPage, type RoutingScope } from "../route/api.js";
import { contextInspection, pageInspection, type InspectionScope } from "./api.js";

/** A scope of the page: Playwright's routing and `websocket` inspection. */
export type Scope = RoutingScope & InspectionScope;

/** Page scope: routes consulted first; `websocket` listeners told first. */
export const page: Scope = Object.assign(routingPage, pageInspection);
/** Context scope. */
export const context: Scope = Object.assign(routingContext, contextInspection);
