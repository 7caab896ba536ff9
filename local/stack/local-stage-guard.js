/**
 * A Serverless plugin that refuses to deploy (or deploy a function of) a stage whose functions point at this
 * machine (the `functionValues` param resolved to `local`, as the `local` stage sets it, or `--param`): that stage
 * exists for `sls invoke local` only, and a deployed copy would have Lambda functions calling 127.0.0.1. It runs
 * before packaging, so it answers offline.
 */
class LocalStageGuard {
  /**
   * @param {{ service: { provider: { stage: string }, custom?: { functionValuesInUse?: string } }, classes: { Error: new (message: string) => Error } }} serverless
   * @param {{ stage?: string }} options
   */
  constructor(serverless, options) {
    const refuse = () => {
      const stage = options.stage ?? serverless.service.provider.stage;
      if (serverless.service.custom?.functionValuesInUse === 'local')
        throw new serverless.classes.Error(
          `stage "${stage}" points its functions at this machine (functionValues: local): it is for sls invoke local only, deploy another stage`,
        );
    };
    this.hooks = { 'before:deploy:deploy': refuse, 'before:deploy:function:initialize': refuse };
  }
}

module.exports = LocalStageGuard;
