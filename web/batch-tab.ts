// The playground's Batch tab (issue 14): starts a small batch job with the model chosen
// above (POST /v1/jobs, with a .tar archive), follows it by polling GET /v1/jobs/{id} into
// a progress bar and a status line, and links the manifest and the archive once it succeeded.

import { MAX_SAMPLES, UINT32_MAX } from "../src/limits.js";
import type { ModelInfo } from "./api.js";
import { jobStatus, startJob, TERMINAL_STATES, type JobStatus } from "./jobs-api.js";

/** How often the tab asks for the job's status while it runs. */
const POLL_MS = 400;
/** "Small": the tab is a demonstration, larger jobs belong to the API. */
const MAX_BATCH_IMAGES = 10 * MAX_SAMPLES;
const ALL_CLASSES = "all";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

export class BatchTab {
  private model: ModelInfo | undefined;
  private readonly form = element<HTMLFormElement>("batch-form");
  private readonly cls = element<HTMLSelectElement>("batch-class");
  private readonly count = element<HTMLInputElement>("batch-count");
  private readonly seed = element<HTMLInputElement>("batch-seed");
  private readonly start = element<HTMLButtonElement>("batch-start");
  private readonly progress = element<HTMLProgressElement>("batch-progress");
  private readonly status = element<HTMLParagraphElement>("batch-status");
  private readonly links = element<HTMLElement>("batch-links");

  constructor() {
    this.count.max = String(MAX_BATCH_IMAGES);
    this.seed.max = String(UINT32_MAX);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run();
    });
  }

  setModel(model: ModelInfo): void {
    this.model = model;
    const options = [
      { value: ALL_CLASSES, name: "all classes" },
      ...model.classes.map((c) => ({ value: String(c.index), name: c.name })),
    ];
    this.cls.replaceChildren(
      ...options.map(({ value, name }) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = name;
        return option;
      }),
    );
  }

  private say(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  /** The bar and the status line from one status answer. */
  private show(job: JobStatus): void {
    this.progress.max = job.images_total;
    this.progress.value = job.images_done;
    this.progress.dataset.jobId = job.id;
    this.progress.setAttribute("aria-valuetext", `${job.images_done} of ${job.images_total} images`);
    const rate = job.images_per_second === null ? "" : `, ${job.images_per_second} images/s`;
    const eta = job.eta_seconds === null ? "" : `, about ${job.eta_seconds} s left`;
    const budget = job.pace?.images_per_minute;
    const pace =
      job.pace === null ? "" : `, paced by the image budget${budget == null ? "" : ` (${budget} images/min)`}`;
    const text = `Job ${job.id} ${job.state}: ${job.images_done} of ${job.images_total} images (${job.images_computed} computed)${rate}${eta}${pace}.`;
    this.say(
      TERMINAL_STATES.has(job.state) ? (job.state === "succeeded" ? "done" : "error") : "busy",
      job.message === null ? text : `${text} ${job.message}`,
    );
  }

  private showLinks(job: JobStatus): void {
    const links = [
      { href: job.manifest_url, text: "Manifest (JSON lines)" },
      { href: job.archive_url, text: "Archive (.tar of the PNGs)" },
    ].flatMap(({ href, text }) => {
      if (href === null) return [];
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      item.append(a);
      return [item];
    });
    this.links.replaceChildren(...links);
  }

  async run(): Promise<void> {
    const model = this.model;
    if (model === undefined || !this.form.reportValidity()) return;
    this.start.disabled = true;
    this.links.replaceChildren();
    this.progress.removeAttribute("value");
    this.say("busy", "Starting a batch job…");
    try {
      let job = await startJob({
        model: model.id,
        classes: this.cls.value === ALL_CLASSES ? ALL_CLASSES : [Number(this.cls.value)],
        count: Number(this.count.value),
        seed: Number(this.seed.value),
        outputs: ["tar"],
      });
      this.show(job);
      while (!TERMINAL_STATES.has(job.state)) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        job = await jobStatus(job.id);
        this.show(job);
      }
      this.showLinks(job);
    } catch (err) {
      this.say("error", `Could not run the batch job: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.start.disabled = false;
    }
  }
}
