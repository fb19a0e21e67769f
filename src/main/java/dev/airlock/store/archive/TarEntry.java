package dev.airlock.store.archive;

/**
 * One entry of a tar file: its normalised name, where its data starts in the file and how long it is.
 * {@code linkTarget} is set for hard and symbolic links (which have no data).
 */
public record TarEntry(String name, Type type, long dataOffset, long size, String linkTarget) {
  public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK }

  public boolean isFile() {
    return type == Type.FILE;
  }

  public boolean isLink() {
    return type == Type.SYMLINK || type == Type.HARDLINK;
  }
}
