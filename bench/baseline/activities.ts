/** The baseline's one activity: returns at once, so what it costs is Temporal's scheduling and nothing else. */
export const baselineActivities = {
  async noop(n: number): Promise<number> {
    return n;
  },
};

export type BaselineActivities = typeof baselineActivities;
