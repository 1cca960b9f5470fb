import type { Link } from 'alpy';

import { addresses } from './addresses.ts';

/** Docker image of the app containers, built by rabbit/build.sh. */
export const toolsImage = 'rabbit-tools:latest';

/**
 * Gives the link's namespace the first host address of the plan and a
 * default route through Rabbit. Every app container on the link shares it.
 */
export async function configureHost(link: Link): Promise<void> {
  const plan = addresses(link.index);
  await link.ip('addr', 'add', `${plan.host}/${plan.prefixLength}`, 'dev', 'eth0');
  await link.ip('route', 'add', 'default', 'via', plan.rabbit);
}

/**
 * Starts busybox httpd on port 80 of `link`, serving one page whose body is
 * `body`, and waits until it listens.
 */
export async function startWebServer(link: Link, body: string) {
  const command = `mkdir -p /www && printf '%s\\n' "$BODY" > /www/index.html && exec busybox httpd -f -p 80 -h /www`;
  const server = await link.run(toolsImage, command, { env: [`BODY=${body}`] });
  await link.waitForPort(80);
  return server;
}
