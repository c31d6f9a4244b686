/// Daemon plumbing. See the files of this folder.
