/** us-east-1 on-demand list prices, as of 2026-11 (USD): what the cost and scale models price with. */
export const PRICES = {
  natGatewayHour: 0.045,
  natGatewayGb: 0.045,
  /** Every public IPv4 address AWS provides, a NAT gateway's Elastic IP included (since February 2024). */
  publicIpv4Hour: 0.005,
  ec2Hour: {
    't3.small': 0.0208,
    't4g.nano': 0.0042,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    'm7g.large': 0.0816,
    'm7g.xlarge': 0.1632,
    'm6i.large': 0.096,
  } as Record<string, number>,
  ebsGbMonth: 0.08,
  /** Data between availability zones: $0.01/GB out of one zone and $0.01/GB into the other. */
  crossAzGb: 0.02,
  s3StandardGbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  /** CloudWatch custom metrics (embedded metric format): each metric name and dimension set, per month. */
  customMetricMonth: 0.3,
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  glueDpuHour: 0.44,
  athenaPerTb: 5,
  stepFunctionsPer1000Transitions: 0.025,
  alarm: 0.1,
  secretMonth: 0.4,
  kmsKeyMonth: 1,
};

/**
 * The vCPUs each broker instance type offers for a sustained load: a burstable t4g gives its baseline (20% of each
 * vCPU, AWS's burstable performance table) without paying for surplus credits; the others all of their vCPUs.
 */
export const SUSTAINED_VCPUS: Record<string, number> = {
  't4g.small': 0.4,
  't4g.medium': 0.4,
  'm7g.large': 2,
  'm7g.xlarge': 4,
};

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
