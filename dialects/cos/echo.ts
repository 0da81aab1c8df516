/**
 * Wire texts the job model does not keep as submitted (the spelling of an ARN, a timestamp given
 * as Unix seconds, prefix fields that take no effect), stored in `Job.dialectData.echo` under
 * their path below the request root, so that DescribeJob answers them back unchanged.
 */
export type EchoTexts = Record<string, string>;

export class EchoRecorder {
  readonly texts: EchoTexts = {};

  constructor(private readonly root: string) {}

  /** Keeps the text sent at `path` (which starts with the root), if it was sent. */
  keep(path: string, text: string | undefined): void {
    if (text !== undefined) this.texts[path.slice(this.root.length + 1)] = text;
  }
}

export class Echo {
  constructor(private readonly texts: EchoTexts | undefined) {}

  static of(dialectData: Record<string, unknown> | undefined): Echo {
    const echo = dialectData?.["echo"];
    return new Echo(echo && typeof echo === "object" ? (echo as EchoTexts) : undefined);
  }

  /**
   * The text as submitted (undefined when the element was not sent). For a job that did not come
   * through this dialect there is nothing to echo, and `derive` rebuilds the text from the model.
   */
  text(key: string, derive: () => string | undefined): string | undefined {
    return this.texts ? this.texts[key] : derive();
  }
}
