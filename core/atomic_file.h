// Writing a file as root into a directory someone else may own (`--out /tmp/boot`): the
// temporary is created fresh (O_CREAT|O_EXCL|O_NOFOLLOW, an unguessable name) in the target's
// directory, so a planted file or symlink is never opened, and rename(2) puts it in place
// (rename replaces a symlink at the target, it never follows one). A reader never sees half
// a file. Every results and report writer goes through here.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace nsm {

// Throws SysError naming the path; on any failure the temporary is removed.
void write_file_atomic(const std::string& path, std::string_view text, mode_t mode = 0644);

// The temporary's name for `path`: "<path>.tmp.<16 random hex digits>" (never reused).
std::string atomic_temp_name(const std::string& path);

}  // namespace nsm
