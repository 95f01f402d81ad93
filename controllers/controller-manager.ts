// The controller-manager: every controller in one process, run only while this replica holds the
// kube-controller-manager Lease. Each term of leadership gets fresh informers and controllers;
// when leadership is lost, everything of that term is stopped before the replica campaigns again
// (kube-controller-manager exits instead; staying up keeps a demo's replica visible).
import type { Logger } from "pino";
import type { KubeClient } from "../client/index.js";
import { recorderFactory, type Controller, type ControllerContext, type ControllerManagerSettings } from "./controller.js";
import { SharedInformers } from "./shared-informers.js";

export type ControllerFactory = (context: ControllerContext) => Controller;

export interface ControllerManagerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly settings: ControllerManagerSettings;
  readonly controllers: readonly ControllerFactory[];
  readonly now?: () => number;
}

export class ControllerManager {
  private synced = false;
  private running: string[] = [];
  private terms = 0;

  constructor(private readonly options: ControllerManagerOptions) {}

  hasSynced(): boolean {
    return this.synced;
  }

  status(): Record<string, unknown> {
    return { controllers: this.running, synced: this.synced, termsLed: this.terms };
  }

  /** One term: start informers and controllers, run until `signal` aborts, then stop them all. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, logger, settings } = this.options;
    this.terms += 1;
    const informers = new SharedInformers(client, logger);
    const context: ControllerContext = {
      client,
      informers,
      logger,
      settings,
      recorder: recorderFactory(client, logger),
      now: this.options.now ?? Date.now,
    };
    const controllers = this.options.controllers.map((factory) => factory(context));
    informers.start();
    await Promise.race([informers.waitForSync(), new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }))]);
    if (!signal.aborted) {
      this.synced = true;
      this.running = controllers.map((c) => c.name);
      logger.info({ controllers: this.running }, "informers synced; controllers running");
      await Promise.all(
        controllers.map((controller) =>
          controller.run(signal).catch((error: unknown) => logger.error({ controller: controller.name, error: (error as Error).stack }, "controller failed")),
        ),
      );
    }
    this.running = [];
    this.synced = false;
    await informers.stop();
  }
}
