/**
 * What the page says about Python: the boot indicator (stages, "Python ready in 1.2 s", why it
 * booted in full), the Run and Stop buttons' state, and the run status line ("Running…",
 * "Finished in 0.31 s"). Owns the last run's outcome; the runner reports, this shows.
 */
import { STAGES } from "./python/contract";
import type { RunnerStatus } from "./python/runner";

/** How the last run ended, as the run status line says it. */
export interface RunOutcome {
  text: string;
  state: "ok" | "error" | "stopped";
}

export interface StatusElements {
  boot: HTMLElement;
  run: HTMLButtonElement;
  stop: HTMLButtonElement;
  runStatus: HTMLElement;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export class StatusView {
  private outcome: RunOutcome | null = null;
  private latest: RunnerStatus | null = null;
  private settle: (status: RunnerStatus) => void = () => undefined;
  /** Settles once the runtime is ready or has failed (never while it boots). */
  readonly settled = new Promise<RunnerStatus>((resolve) => (this.settle = resolve));

  constructor(private readonly ui: StatusElements) {}

  /** The runner's status, as it changes. */
  show(status: RunnerStatus): void {
    this.latest = status;
    if (status.phase !== "booting") this.settle(status);
    this.showBoot(status);
    const { ui } = this;
    const stopHadFocus = document.activeElement === ui.stop;
    ui.stop.disabled = !status.running || status.stopping;
    // A disabled button drops the keyboard's focus to the page's body: hand it to Run, the
    // control that starts the next run, rather than leave a keyboard user nowhere.
    if (stopHadFocus && ui.stop.disabled) ui.run.focus();
    ui.run.setAttribute("aria-busy", String(status.running));
    if (status.running) {
      const text = status.waiting
        ? "Waiting for Python to load…"
        : status.stopping
          ? "Stopping…"
          : "Running…";
      this.line(text, "running");
    } else if (this.outcome !== null) {
      this.line(this.outcome.text, this.outcome.state === "ok" ? "ok" : "error");
    } else {
      this.line("", "idle");
    }
  }

  /** The last run's outcome (null: none to show, after Clear or when a run starts). */
  setOutcome(outcome: RunOutcome | null): void {
    this.outcome = outcome;
    if (this.latest !== null) this.show(this.latest);
  }

  private showBoot(status: RunnerStatus): void {
    const boot = this.ui.boot;
    boot.dataset.phase = status.phase;
    for (const stage of STAGES) {
      boot
        .querySelector<HTMLElement>(`[data-stage="${stage}"]`)
        ?.setAttribute("data-state", status.stages[stage]);
    }
    const label = boot.querySelector<HTMLElement>(".boot-label");
    if (label === null) return;
    if (status.phase === "failed") {
      label.textContent = `Python failed to load: ${status.message ?? "unknown error"}`;
    } else if (status.phase === "idle") {
      label.textContent = "Python loads when you run the code";
    } else if (status.phase === "booting") {
      label.textContent = "Loading Python";
    } else {
      const v = status.versions;
      const seconds = status.bootMs === null ? "" : ` in ${(status.bootMs / 1000).toFixed(1)} s`;
      const notes = [
        ...(v.ad === "unavailable" ? ["the ad package is missing"] : []),
        ...(status.why === null ? [] : [`started in full: ${status.why}`]),
      ];
      label.textContent = `Python ready${seconds}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
      boot.title = [
        ...Object.entries(v).map(([name, version]) => `${name} ${version}`),
        status.boot === "site" ? "restored from the site's snapshot" : "booted in full",
      ].join(", ");
    }
  }

  private line(text: string, state: string): void {
    this.ui.runStatus.textContent = text;
    this.ui.runStatus.dataset.state = state;
  }
}
