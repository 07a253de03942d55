/**
 * One output channel per training job, following its log while it runs: new text is read
 * from where the last read stopped whenever the backend reports a change. Changes are
 * watched while any log is followed (output channels say nothing of being shown), which
 * ends with the job.
 */
import * as vscode from 'vscode';
import { isTerminalStatus } from '../model/types';
import type { Services } from './services';

interface FollowedLog {
  channel: vscode.OutputChannel;
  position: number;
  done: boolean;
  reading: boolean;
}

export class JobLogs implements vscode.Disposable {
  private readonly logs = new Map<string, FollowedLog>();
  private readonly subscription: vscode.Disposable;
  private watch: vscode.Disposable | undefined;

  constructor(private readonly services: Services) {
    this.subscription = services.onDidChangeJobs(() => {
      for (const name of this.logs.keys()) void this.pump(name);
    });
  }

  async show(name: string): Promise<vscode.OutputChannel> {
    let log = this.logs.get(name);
    if (!log) {
      log = {
        channel: vscode.window.createOutputChannel(`SageMaker Job: ${name}`),
        position: 0,
        done: false,
        reading: false,
      };
      this.logs.set(name, log);
    }
    log.channel.show(true);
    await this.pump(name);
    return log.channel;
  }

  /** Appends whatever the job printed since the last read; stops following once the job has ended. */
  private async pump(name: string): Promise<void> {
    const log = this.logs.get(name);
    if (!log || log.done || log.reading) return;
    log.reading = true;
    try {
      const backend = this.services.backend;
      const ended = isTerminalStatus(
        (await backend.describeTrainingJob({ TrainingJobName: name })).TrainingJobStatus,
      );
      for (;;) {
        const chunk = await backend.readTrainingJobLog(name, log.position);
        if (chunk.text) log.channel.append(chunk.text);
        if (chunk.next === log.position) break;
        log.position = chunk.next;
      }
      if (ended) {
        log.done = true;
        const job = await backend.describeTrainingJob({ TrainingJobName: name });
        log.channel.appendLine(
          `--- ${name} ${job.TrainingJobStatus}${job.FailureReason ? `: ${job.FailureReason}` : ''}`,
        );
      }
    } catch (err) {
      log.channel.appendLine(`--- could not read the log: ${(err as Error).message}`);
      log.done = true;
    } finally {
      log.reading = false;
      this.updateWatch();
    }
  }

  private updateWatch(): void {
    const following = [...this.logs.values()].some((l) => !l.done);
    if (following && !this.watch) this.watch = this.services.watchJobs('job log');
    else if (!following && this.watch) {
      this.watch.dispose();
      this.watch = undefined;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.watch?.dispose();
    for (const log of this.logs.values()) log.channel.dispose();
  }
}
