// Default forwarding in server mode: the directions the page end passes on by itself, so frames make no round
// trip to the route end (across threads, two postMessages each). A direction only ever turns off: turning one
// back on could reorder frames.
import type { RouteMessage } from "./protocol.js";

/** Which frames the route end must see itself: the page's, the server's. */
export interface Needs {
  page: boolean;
  server: boolean;
}

/** The `forward` message of the protocol. */
type ForwardMessage = Extract<RouteMessage, { type: "forward" }>;

/** The forwarding state of one routed socket. */
export class Forwarding {
  private toPage = false;
  private toServer = false;

  constructor(private readonly id: string) {}

  /**
   * At `connectToServer()`: server → page always; page → server only when `toServer` (the page not open yet, so
   * no page frame can be on its way to the route end, to be overtaken by later ones the page end forwards).
   * Returns the message that starts it, or nothing when the route already needs both directions.
   */
  start(toServer: boolean, needs: Needs): ForwardMessage | undefined {
    this.toPage = true;
    this.toServer = toServer;
    this.turnOff(needs);
    return this.toPage || this.toServer ? this.message() : undefined;
  }

  /** Turns off the directions whose frames the route end now needs; the message to post when one did. */
  update(needs: Needs): ForwardMessage | undefined {
    return this.turnOff(needs) ? this.message() : undefined;
  }

  /** Applies `needs`; true when a direction turned off. */
  private turnOff(needs: Needs): boolean {
    const toPage = this.toPage && !needs.server;
    const toServer = this.toServer && !needs.page;
    const changed = toPage !== this.toPage || toServer !== this.toServer;
    this.toPage = toPage;
    this.toServer = toServer;
    return changed;
  }

  /** The `forward` message for the current state. */
  private message(): ForwardMessage {
    return { type: "forward", id: this.id, toPage: this.toPage, toServer: this.toServer };
  }
}
