package dev.fheml.infra.training;

import dev.fheml.infra.InfraConfig;
import dev.fheml.infra.storage.StorageResources;
import java.util.Objects;
import software.amazon.awscdk.StackProps;

/** What the training stack needs: the storage resources and the configuration. */
public record TrainingStackProps(StackProps stackProps, InfraConfig config, StorageResources storage) {
  public TrainingStackProps {
    Objects.requireNonNull(stackProps, "stackProps");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(storage, "storage");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder for {@link TrainingStackProps}. */
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

    public TrainingStackProps build() {
      return new TrainingStackProps(stackProps, config, storage);
    }
  }
}
