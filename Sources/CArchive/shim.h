#include <archive.h>
#include <archive_entry.h>

// libarchive defines the file-type constants as casts ((__LA_MODE_T)0170000), which Swift cannot import.
static const unsigned int JK_AE_IFMT = AE_IFMT;
static const unsigned int JK_AE_IFREG = AE_IFREG;
static const unsigned int JK_AE_IFLNK = AE_IFLNK;
static const unsigned int JK_AE_IFSOCK = AE_IFSOCK;
static const unsigned int JK_AE_IFCHR = AE_IFCHR;
static const unsigned int JK_AE_IFBLK = AE_IFBLK;
static const unsigned int JK_AE_IFDIR = AE_IFDIR;
static const unsigned int JK_AE_IFIFO = AE_IFIFO;
