package dev.fheml.infra.storage;

import dev.fheml.infra.common.InfraConfig;
import java.util.Objects;
import software.amazon.awscdk.StackProps;

/** What the training and endpoint stacks need: the storage resources and the configuration. */
public record WorkloadProps(StackProps stackProps, InfraConfig config, StorageResources storage) {
  public WorkloadProps {
    Objects.requireNonNull(stackProps, "stackProps");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(storage, "storage");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder for {@link WorkloadProps}. */
  public static final class Builder {
    private StackProps stackProps = StackProps.builder().build();
    private InfraConfig config;
    private StorageResources storage;

    public Builder stackProps(StackProps value) {
      this.stackProps = value;
      return this;
    }

    public Builder config(InfraConfig value) {
      this.config = value;
      return this;
    }

    public Builder storage(StorageResources value) {
      this.storage = value;
      return this;
    }

    public WorkloadProps build() {
      return new WorkloadProps(stackProps, config, storage);
    }
  }
}
