// Inspection: Playwright's `WebSocket` events for every socket the page opens.
export { pageInspection, contextInspection, resetInspection, inspecting, type InspectionScope, type ScopeEvents } from "./api.js";
export { InspectedWebSocket, type Frame, type InspectedEvents, type InspectedEvent } from "./websocket.js";
export { TimeoutError, InspectionError, DEFAULT_TIMEOUT, type WaitOptions } from "./emitter.js";
