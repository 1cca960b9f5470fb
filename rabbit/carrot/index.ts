/** carrot: helpers shared by the Rabbit tests. */
export { addresses, type LinkAddresses } from './addresses.ts';
export { rabbitShell, rabbitLogin, addressScript, baselineScript, resetRabbit, runScript, pidFiles, dnsmasqLeaseFile } from './rabbit.ts';
export {
  toolsImage,
  iperfPort,
  configureHost,
  startWebServer,
  accessLogClients,
  startIperfServer,
  runIperfClient,
  runDhcpClient,
  type IperfResult,
  type IperfClientOptions,
} from './hosts.ts';
