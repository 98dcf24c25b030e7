// After the store came back (Redis may have come back empty) or our registration lapsed, a replica
// registers again and re-writes the records of its sessions. One run at a time: a request during a
// run makes it go round once more; a failed run stays pending until the next successful heartbeat.
import type { Logger } from 'pino';
import type { ReplicaPresence } from '../store/replicas.js';
import type { OwnedRecords } from './owned-records.js';

export interface ReassertionOptions {
  presence: ReplicaPresence;
  records: OwnedRecords;
  log: Logger;
  /** The replica left the cluster: nothing more to re-assert. */
  left(): boolean;
}

export class Reassertion {
  private running: Promise<void> | undefined;
  private again = false;
  /** The last run failed: the next successful heartbeat tries again. */
  pending = false;

  constructor(private readonly opts: ReassertionOptions) {}

  /** No run under way and none owed: the store holds our registration and our records. */
  get settled(): boolean {
    return this.running === undefined && !this.pending;
  }

  request(): void {
    if (this.opts.left()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Resolves when the run under way (if any) has ended. */
  async finished(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    const { presence, records, log } = this.opts;
    do {
      this.again = false;
      try {
        await presence.register();
        const { restored, lost } = await records.restore();
        this.pending = false;
        log.info({ reason: 'records_restored', replica: presence.id, restored, lost }, 'registered again and re-wrote the records of our sessions');
      } catch (e) {
        this.pending = true;
        log.debug({ reason: 'records_restore_failed', err: (e as Error).message }, 'could not re-write our session records yet');
      }
    } while (this.again && !this.opts.left());
  }
}
