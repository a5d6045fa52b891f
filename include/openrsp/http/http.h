#pragma once
/// \file
/// \brief HTTP transport: the SM-DP+ server and the LPA client.

#include "openrsp/http/client.h"
#include "openrsp/http/message.h"
#include "openrsp/http/server.h"
