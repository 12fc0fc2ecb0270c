/**
 * Connects to a board's data UART that QEMU serves on a Unix socket (qemu.ts `uartSocket`). QEMU creates the
 * socket some time after it starts and holds the guest until a client connects, so this retries until it can.
 */
import { createConnection, type Socket } from "node:net";

export function connectUart(path: string, timeoutMs = 10_000): Promise<Socket> {
  const giveUp = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection(path);
      socket.once("connect", () => resolve(socket));
      socket.once("error", (error) => {
        socket.destroy();
        if (Date.now() > giveUp) reject(new Error(`cannot connect to the UART socket ${path}: ${error.message}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}
