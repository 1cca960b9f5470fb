/** carrot: helpers shared by the Rabbit tests. */
export { addresses, type LinkAddresses } from './addresses.ts';
export { rabbitShell, rabbitLogin, addressScript, runScript } from './rabbit.ts';
export { toolsImage, configureHost, startWebServer } from './hosts.ts';
