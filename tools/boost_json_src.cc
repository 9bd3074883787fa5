// Boost.JSON compiled from its headers, for builds against libc++ (the fuzz build), where
// Debian's libboost_json, built for libstdc++, cannot be linked.
#include <boost/json/src.hpp>
