/**
 * IMS endpoints by region, as Alibaba's generated SDK resolves them (alibabacloud-go/ice-20201109
 * client/client.go Init: `EndpointRule = "regional"` and an EndpointMap): cn-shanghai has its
 * own host, the mapped regions share `ice.aliyuncs.com`, any other region follows the regional
 * rule `ice.<region>.aliyuncs.com`. The config node lets the user override it.
 */
const SHARED_HOST_REGIONS = new Set([
  'ap-northeast-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-5',
  'cn-beijing', 'cn-chengdu', 'cn-hangzhou', 'cn-hongkong', 'cn-huhehaote', 'cn-qingdao', 'cn-shenzhen',
  'cn-wuhan', 'cn-wulanchabu', 'cn-zhangjiakou', 'eu-central-1', 'eu-west-1', 'me-east-1', 'us-east-1',
  'us-west-1',
]); // prettier-ignore

export function endpointFor(region: string): string {
  const r = region.trim().toLowerCase();
  if (r === 'cn-shanghai') return 'https://ice.cn-shanghai.aliyuncs.com';
  if (SHARED_HOST_REGIONS.has(r) || !/^[a-z]{2,}(-[a-z0-9]+)+$/.test(r)) return 'https://ice.aliyuncs.com';
  return `https://ice.${r}.aliyuncs.com`;
}
