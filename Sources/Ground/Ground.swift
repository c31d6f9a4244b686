/// The operator side of the space link. See the files of this folder.
