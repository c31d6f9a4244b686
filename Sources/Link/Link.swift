/// The space link over UDP. See the files of this folder.
