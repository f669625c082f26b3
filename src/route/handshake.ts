// The opening handshake of a routed socket as a browser judges it: the subprotocol rule, and the failure text.

/** Text of the `socketerror` inspection reports when a route fails the handshake (as for a native socket). */
export const HANDSHAKE_FAILED = "Error during WebSocket handshake";

/** Why accepting with `protocol` fails the handshake of a page that offered `offered`; undefined when it may. */
export function subprotocolProblem(offered: readonly string[], protocol: string | undefined): string | undefined {
  if (protocol !== undefined && !offered.includes(protocol)) {
    return `the route accepted with subprotocol ${JSON.stringify(protocol)}, which the page did not offer (${JSON.stringify(offered)})`;
  }
  if (protocol === undefined && offered.length > 0) {
    return `the page offered subprotocols ${JSON.stringify(offered)} and the route accepted without choosing one`;
  }
  return undefined;
}
