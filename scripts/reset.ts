/**
 * `npm run reset [-- --data <dir>]`: deletes the local hub's data folder (tenants, keys,
 * connections, runs, imports, the file drop, the simulators' data and the local secrets),
 * saying what it deletes. Refuses while an `npm start` is using the folder.
 */
import { dataDirFromArgs, resetDataDir } from "./data-dir";

try {
  resetDataDir(dataDirFromArgs(process.argv.slice(2)), (line) => console.log(line));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
