package dev.fheml.infra.storage;

import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.services.ec2.FlowLog;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogResourceType;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpoint;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * The VPC the endpoint's model and the publish function run in: private isolated subnets in two
 * availability zones, no internet gateway, no NAT. The only way out is an S3 gateway endpoint whose
 * policy names the project's buckets (and, in the endpoint stack, interface endpoints with their own
 * policies). Flow logs (all traffic) go to the access-log bucket under {@link #FLOW_LOG_PREFIX}.
 */
public final class IsolatedNetwork extends Construct {
  /** Private address range of the VPC; nothing is peered with it. */
  public static final String CIDR = "10.42.0.0/16";
  public static final String FLOW_LOG_PREFIX = "vpc-flow-logs/";
  /** Object actions the workloads in the VPC perform on the project buckets (see the roles). */
  static final List<String> S3_OBJECT_ACTIONS = List.of("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload");

  private final Vpc vpc;
  private final GatewayVpcEndpoint s3Endpoint;

  /**
   * @param flowLogs where the VPC flow logs are delivered (an SSE-S3 bucket: log delivery's requirement)
   * @param buckets the buckets a workload in the VPC may reach through the S3 gateway endpoint
   */
  public IsolatedNetwork(Construct scope, String id, IBucket flowLogs, List<IBucket> buckets) {
    super(scope, id);
    Objects.requireNonNull(flowLogs, "flowLogs");
    if (buckets.isEmpty()) {
      throw new IllegalArgumentException("the S3 endpoint policy must name at least one bucket");
    }
    this.vpc = Vpc.Builder.create(this, "Vpc")
        .ipAddresses(IpAddresses.cidr(CIDR))
        .maxAzs(2)
        .natGateways(0)
        .subnetConfiguration(List.of(SubnetConfiguration.builder()
            .name("isolated")
            .subnetType(SubnetType.PRIVATE_ISOLATED)
            .cidrMask(24)
            .build()))
        .restrictDefaultSecurityGroup(false)
        .build();
    this.s3Endpoint = vpc.addGatewayEndpoint("S3", GatewayVpcEndpointOptions.builder()
        .service(GatewayVpcEndpointAwsService.S3)
        .subnets(List.of(isolatedSubnets()))
        .build());
    s3Endpoint.addToPolicy(PolicyStatement.Builder.create()
        .sid("ProjectBucketObjectsOnly")
        .principals(List.of(new AnyPrincipal()))
        .actions(S3_OBJECT_ACTIONS)
        .resources(buckets.stream().map(b -> b.arnForObjects("*")).toList())
        .build());
    FlowLog.Builder.create(this, "FlowLog")
        .resourceType(FlowLogResourceType.fromVpc(vpc))
        .destination(FlowLogDestination.toS3(flowLogs, FLOW_LOG_PREFIX))
        .trafficType(FlowLogTrafficType.ALL)
        .build();
  }

  public Vpc vpc() {
    return vpc;
  }

  public GatewayVpcEndpoint s3Endpoint() {
    return s3Endpoint;
  }

  /**
   * A security group with no inbound rule and HTTPS as the only outbound rule. In the isolated subnets
   * HTTPS reaches the S3 gateway endpoint (the only route besides the VPC's own range, limited to the
   * project buckets by its policy) and the interface endpoints; any other address has no route, and a
   * security group cannot name S3's managed prefix list without a lookup.
   */
  public static SecurityGroup httpsOutOnly(Construct scope, String id, IVpc vpc, String description) {
    SecurityGroup group = SecurityGroup.Builder.create(scope, id)
        .vpc(vpc)
        .description(description)
        .allowAllOutbound(false)
        .build();
    group.addEgressRule(Peer.anyIpv4(), Port.tcp(443),
        "HTTPS: the S3 gateway endpoint (project buckets only) and interface endpoints; no other route exists");
    return group;
  }

  /** The subnets every workload of the project uses. */
  public static SubnetSelection isolatedSubnets() {
    return SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build();
  }
}
