// Starts a DUT described by the JSON in argv[2] and prints the error, for
// the tests that run it as an unprivileged user.
import { startDut } from '../../../src/dut.ts';

try {
  const dut = await startDut(JSON.parse(process.argv[2] ?? '{}'));
  await dut.stop();
  console.log('started');
} catch (error) {
  console.log(String(error));
}
